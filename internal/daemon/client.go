package daemon

import (
	"fmt"
	"net"
	"time"

	"github.com/noxkey/noxkey/handoff"
)

// Client is one connection to the daemon.
type Client struct {
	c net.Conn
}

// Dial connects to the daemon's socket.
func Dial(socket string) (*Client, error) {
	c, err := net.DialTimeout("unix", socket, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// Call sends one request and reads its answer.
func (c *Client) Call(req *handoff.Request) (*handoff.Response, error) {
	c.c.SetDeadline(time.Now().Add(30 * time.Second))
	werr := handoff.WriteMsg(c.c, req)
	var resp handoff.Response
	if err := handoff.ReadMsg(c.c, &resp); err != nil {
		if werr != nil {
			return nil, fmt.Errorf("daemon: send: %w", werr)
		}
		return nil, fmt.Errorf("daemon: no answer: %w", err)
	}
	return &resp, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }
