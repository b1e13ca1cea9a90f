//go:build !linux && !(darwin && cgo)

package arm

var platformWhere = Where{Store: "file"}

func platformArm(id string, key []byte) (Where, error) { return Where{}, errNoPlatform }
func platformLookup(id string) ([]byte, error)         { return nil, errNoPlatform }
func platformDisarm(id string) error                   { return errNoPlatform }
