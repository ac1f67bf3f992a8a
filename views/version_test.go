package views

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestVersionMovesWithView holds every pane with a Version to what the
// root's frame cache relies on: whenever View shows something other than
// at the last look, Version moved too. The panes are driven through the
// property tests' sequences and looked at after most steps, not all, as
// the program may take several messages between two frames.
func TestVersionMovesWithView(t *testing.T) {
	for _, mk := range propPanes {
		pp := mk(testStyles())
		if _, ok := pp.pane.(Versioned); !ok {
			continue
		}
		t.Run(pp.name, func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(propSeeds) {
				pp := mk(testStyles())
				pp.model = &versionModel{propModel: pp.model, pane: pp.pane, v: pp.pane.(Versioned)}
				if err := pp.run(rand.New(rand.NewPCG(seed, 13)), propSteps*2); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
			}
		})
	}
}

type versionModel struct {
	propModel
	pane drivable
	v    Versioned

	step   int
	looked bool
	ver    uint64
	view   string
}

func (m *versionModel) check() error {
	if err := m.propModel.check(); err != nil {
		return err
	}
	m.step++
	if m.step%4 == 3 {
		return nil // no frame this time
	}
	ver := m.v.Version() // the root asks first, then looks only when it moved
	view := m.pane.View()
	if m.looked && ver == m.ver && view != m.view {
		return fmt.Errorf("View changed but Version stayed %d:\nwas:\n%s\nnow:\n%s", ver, m.view, view)
	}
	m.looked, m.ver, m.view = true, ver, view
	return nil
}
