package venues

import "testing"

func TestEveryDescriptorIsComplete(t *testing.T) {
	if len(All()) < 3 {
		t.Fatalf("venues: %v", Names())
	}
	seen := map[string]bool{}
	for _, d := range All() {
		if err := d.Check(); err != nil {
			t.Error(err)
		}
		if seen[d.Name] {
			t.Errorf("%q listed twice", d.Name)
		}
		seen[d.Name] = true
		if d.TestKit == nil {
			t.Errorf("%s: no test kit: the crash and program tests would leave it out", d.Name)
		} else if k := d.TestKit(); k.Venue != d.Name || k.Start == nil {
			t.Errorf("%s: test kit %+v", d.Name, k)
		}
		if got, ok := Lookup(d.Name); !ok || got != d {
			t.Errorf("Lookup(%q) = %v, %v", d.Name, got, ok)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found an unlisted venue")
	}
}
