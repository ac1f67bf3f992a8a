package demo

// DropStreams cuts every demo venue's private streams now, as the fault
// schedule does every few minutes: the cockpit shows the stream
// reconnecting, then live again with a resync line in the event log.
func (d *Demo) DropStreams() {
	for _, k := range d.kits {
		if k.DropStreams != nil {
			k.DropStreams()
		}
	}
}
