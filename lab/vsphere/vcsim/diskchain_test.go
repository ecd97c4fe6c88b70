package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func writeBase(t *testing.T, dir string, data []byte) string {
	desc := filepath.Join(dir, "d.vmdk")
	text := "# Disk DescriptorFile\nversion=1\ncreateType=\"vmfs\"\nRW 16 VMFS \"d-flat.vmdk\"\n"
	if err := os.WriteFile(desc, []byte(text), 0600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d-flat.vmdk"), data, 0600); err != nil {
		t.Fatal(err)
	}
	return desc
}

// A child over a frozen parent: writes land in the child only, reads see the
// parent where the child holds nothing, and consolidating merges the child.
func TestChildIsRedirectOnWriteAndConsolidates(t *testing.T) {
	dir := t.TempDir()
	base := bytes.Repeat([]byte{'a'}, 3*blockSize)
	desc := writeBase(t, dir, base)
	child := filepath.Join(dir, "d-000001.vmdk")
	if err := createChild(child, desc); err != nil {
		t.Fatal(err)
	}
	head, err := openChain(child)
	if err != nil || head.parent == nil || !head.delta {
		t.Fatalf("chain %+v %v", head, err)
	}
	if err := head.WriteAt([]byte("XYZ"), blockSize+10); err != nil {
		t.Fatal(err)
	}
	want := append([]byte(nil), base...)
	copy(want[blockSize+10:], "XYZ")
	if got := head.ReadAt(0, int64(len(base))); !bytes.Equal(got, want) {
		t.Fatalf("head read %q", got[blockSize:blockSize+16])
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "d-flat.vmdk")); !bytes.Equal(got, base) {
		t.Fatal("the frozen parent was written")
	}
	if err := consolidate(head); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "d-flat.vmdk")); !bytes.Equal(got, want) {
		t.Fatal("consolidation lost the child's write")
	}
	if _, err := os.Stat(child); !os.IsNotExist(err) {
		t.Fatal("the child descriptor is still there")
	}
}
