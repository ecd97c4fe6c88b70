package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Disk chains: what stock vcsim lacks to tell a point in time from a live disk.
//
// A disk is a text descriptor naming its data extent (lab/README.md). A child
// disk (a snapshot's redo log, or a linked clone) has a descriptor with
// parentFileNameHint (the parent descriptor's host path, as ESXi writes
// /vmfs/volumes/... paths) and a VMFSSPARSE extent: a sparse file of the
// parent's size, in which only the blocks written since the child was created
// are valid (deltaBlocks). Reads resolve each block through the chain, writes
// go to the head only (redirect-on-write, block granularity), so a parent
// frozen by a snapshot or shared by a linked clone never changes.

const blockSize = 4096

var (
	extentLine = regexp.MustCompile(`^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Za-z]+)(?:\s+"([^"]*)")?`)
	parentHint = regexp.MustCompile(`^parentFileNameHint\s*=\s*"([^"]*)"`)

	// blocksMu guards deltaBlocks only; it is never held while taking another lock.
	blocksMu    sync.Mutex
	deltaBlocks = map[string]map[int64]bool{} // delta extent host path -> valid blocks
)

type layer struct {
	desc   string // host path of the descriptor
	extent string // host path of the data extent
	delta  bool
	parent *layer
}

// openChain reads the chain whose head descriptor is descPath. A descriptor
// without extent lines (vcsim creates empty ones) means the vcsim convention:
// the data is in <name>-flat.vmdk.
func openChain(descPath string) (*layer, error) {
	l := &layer{desc: descPath}
	f, err := os.Open(descPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hint := ""
	scan := bufio.NewScanner(io.LimitReader(f, 64*1024))
	for scan.Scan() {
		line := strings.TrimSpace(scan.Text())
		if m := parentHint.FindStringSubmatch(line); m != nil {
			hint = m[1]
		} else if m := extentLine.FindStringSubmatch(line); m != nil && m[4] != "" && l.extent == "" {
			l.extent = filepath.Join(filepath.Dir(descPath), m[4])
			l.delta = strings.EqualFold(m[3], "VMFSSPARSE")
		}
	}
	if l.extent == "" {
		l.extent = strings.TrimSuffix(descPath, ".vmdk") + "-flat.vmdk"
	}
	if hint != "" {
		if l.parent, err = openChain(hint); err != nil {
			return nil, fmt.Errorf("parent of %s: %v", descPath, err)
		}
	}
	return l, nil
}

func hasBlock(l *layer, block int64) bool {
	if !l.delta {
		return true
	}
	blocksMu.Lock()
	defer blocksMu.Unlock()
	return deltaBlocks[l.extent][block]
}

func markBlock(l *layer, block int64) {
	blocksMu.Lock()
	defer blocksMu.Unlock()
	if deltaBlocks[l.extent] == nil {
		deltaBlocks[l.extent] = map[int64]bool{}
	}
	deltaBlocks[l.extent][block] = true
}

func forgetLayer(l *layer) {
	blocksMu.Lock()
	defer blocksMu.Unlock()
	delete(deltaBlocks, l.extent)
}

// size is the logical size of the chain: its base extent's length.
func (l *layer) size() int64 {
	for l.parent != nil {
		l = l.parent
	}
	if st, err := os.Stat(l.extent); err == nil {
		return st.Size()
	}
	return 0
}

func readFileAt(path string, buf []byte, off int64) {
	for i := range buf {
		buf[i] = 0
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.ReadAt(buf, off) // past the end of a sparse or short file reads as zeros
}

func (l *layer) readBlock(block int64, buf []byte) {
	for c := l; c != nil; c = c.parent {
		if hasBlock(c, block) {
			readFileAt(c.extent, buf, block*blockSize)
			return
		}
	}
	for i := range buf {
		buf[i] = 0
	}
}

// ReadAt reads n bytes at off through the chain.
func (l *layer) ReadAt(off, n int64) []byte {
	out := make([]byte, 0, n)
	buf := make([]byte, blockSize)
	for pos := off; pos < off+n; {
		block := pos / blockSize
		l.readBlock(block, buf)
		start := pos - block*blockSize
		end := int64(blockSize)
		if rest := off + n - block*blockSize; rest < end {
			end = rest
		}
		out = append(out, buf[start:end]...)
		pos = block*blockSize + end
	}
	return out
}

// WriteAt writes data at off into the head layer only. A delta head first
// copies up each block it does not hold yet, so a partial block write keeps the
// rest of the block as the parents had it.
func (l *layer) WriteAt(data []byte, off int64) error {
	f, err := os.OpenFile(l.extent, os.O_RDWR|os.O_CREATE, 0600)
	if err != nil {
		return err
	}
	defer f.Close()
	if !l.delta {
		_, err = f.WriteAt(data, off)
		return err
	}
	buf := make([]byte, blockSize)
	for pos := off; pos < off+int64(len(data)); {
		block := pos / blockSize
		if !hasBlock(l, block) {
			l.readBlock(block, buf)
		} else {
			readFileAt(l.extent, buf, block*blockSize)
		}
		start := pos - block*blockSize
		n := copy(buf[start:], data[pos-off:])
		if _, err := f.WriteAt(buf, block*blockSize); err != nil {
			return err
		}
		markBlock(l, block)
		pos += int64(n)
	}
	return nil
}

// createChild writes a child descriptor at childDesc over the chain parentDesc,
// with an empty sparse VMFSSPARSE extent of the parent's size.
func createChild(childDesc, parentDesc string) error {
	parent, err := openChain(parentDesc)
	if err != nil {
		return err
	}
	size := parent.size()
	extentName := strings.TrimSuffix(filepath.Base(childDesc), ".vmdk") + "-delta.vmdk"
	extent := filepath.Join(filepath.Dir(childDesc), extentName)
	f, err := os.Create(extent)
	if err != nil {
		return err
	}
	if err = f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	f.Close()
	forgetLayer(&layer{extent: extent})
	text := strings.Join([]string{
		"# Disk DescriptorFile", "version=1", `encoding="UTF-8"`, "CID=fffffffe", "parentCID=fffffffe",
		`createType="vmfsSparse"`, `parentFileNameHint="` + parentDesc + `"`, "", "# Extent description",
		"RW " + strconv.FormatInt((size+511)/512, 10) + ` VMFSSPARSE "` + extentName + `"`, "",
		"# The Disk Data Base", "#DDB", "", `ddb.deletable = "true"`, "",
	}, "\n")
	return os.WriteFile(childDesc, []byte(text), 0600)
}

// consolidate merges a child layer into its parent (the snapshot that froze
// the parent is gone) and deletes the child's files.
func consolidate(child *layer) error {
	if child.parent == nil || !child.delta {
		return fmt.Errorf("%s is not a child disk", child.desc)
	}
	blocksMu.Lock()
	var blocks []int64
	for b := range deltaBlocks[child.extent] {
		blocks = append(blocks, b)
	}
	blocksMu.Unlock()
	buf := make([]byte, blockSize)
	for _, b := range blocks {
		readFileAt(child.extent, buf, b*blockSize)
		data := buf
		if end := child.size() - b*blockSize; end < blockSize && end > 0 {
			data = buf[:end]
		}
		if err := child.parent.WriteAt(data, b*blockSize); err != nil {
			return err
		}
	}
	forgetLayer(child)
	_ = os.Remove(child.extent)
	return os.Remove(child.desc)
}

// repointChild rewrites a child descriptor's parent (after its old parent was
// consolidated away).
func repointChild(childDesc, newParent string) error {
	data, err := os.ReadFile(childDesc)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		if parentHint.MatchString(strings.TrimSpace(line)) {
			lines[i] = `parentFileNameHint="` + newParent + `"`
		}
	}
	return os.WriteFile(childDesc, []byte(strings.Join(lines, "\n")), 0600)
}
