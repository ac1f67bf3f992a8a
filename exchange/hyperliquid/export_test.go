package hyperliquid

import "time"

// SetTamper changes one input of every action hash c signs from now on.
func (c *Client) SetTamper(f func(s *Suffix, source *string)) { c.tamper = f }

func nowFunc() time.Time { return time.Unix(1796439396, 0) }
