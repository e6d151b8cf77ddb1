package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// TestEveryFlagIsInTheReadme: the README's configuration table names every
// flag of the server, so a new option cannot go undocumented.
func TestEveryFlagIsInTheReadme(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	fs := flag.NewFlagSet("parkmate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bindFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(readme, "`--"+f.Name+"`") {
			t.Errorf("README.md does not name --%s", f.Name)
		}
	})
}
