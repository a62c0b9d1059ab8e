// The oracle behind src/core/goduration.cases.json: reads one JSON string per line and prints what
// Go's time.ParseDuration makes of it (nanoseconds or Go's error) and fmt's %q of it. Run with a Go
// toolchain (`go run .` here) when the table needs new rows; tenon's tests only read the table.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

type out struct {
	In  string `json:"in"`
	Ns  *int64 `json:"ns,omitempty"`
	Err string `json:"err,omitempty"`
	Q   string `json:"q"`
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		var s string
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			panic(err)
		}
		d, err := time.ParseDuration(s)
		o := out{In: s, Q: fmt.Sprintf("%q", s)}
		if err != nil {
			o.Err = err.Error()
		} else {
			n := int64(d)
			o.Ns = &n
		}
		enc.Encode(o)
	}
}
