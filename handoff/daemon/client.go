package daemon

import (
	"fmt"
	"net"
	"time"
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
func (c *Client) Call(req *Request) (*Response, error) {
	c.c.SetDeadline(time.Now().Add(30 * time.Second))
	werr := WriteMsg(c.c, req)
	var resp Response
	if err := ReadMsg(c.c, &resp); err != nil {
		if werr != nil {
			return nil, fmt.Errorf("daemon: send: %w", werr)
		}
		return nil, fmt.Errorf("daemon: no answer: %w", err)
	}
	return &resp, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }
