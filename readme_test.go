package parkmate_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestReadmeListsTheDependencies checks that the README's tables name every
// direct Go module requirement and every web app dependency at the version
// go.mod and web/package.json pin.
func TestReadmeListsTheDependencies(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	want := map[string]string{} // name -> version
	inBlock := false
	for _, line := range strings.Split(readRepoFile(t, "go.mod"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !inBlock:
			continue
		}
		if f := strings.Fields(line); len(f) >= 2 && !strings.Contains(line, "// indirect") {
			want[f[0]] = f[1]
		}
	}
	if len(want) == 0 {
		t.Fatal("found no requirement in go.mod")
	}
	var pkg struct{ Dependencies map[string]string }
	if err := json.Unmarshal([]byte(readRepoFile(t, "web/package.json")), &pkg); err != nil || len(pkg.Dependencies) == 0 {
		t.Fatalf("web/package.json: %v", err)
	}
	for name, version := range pkg.Dependencies {
		want[name] = version
	}
	for name, version := range want {
		listed := false
		for _, row := range strings.Split(readme, "\n") {
			if strings.HasPrefix(row, "|") && strings.Contains(row, "`"+name+"`") && strings.Contains(row, "| "+version+" |") {
				listed = true
				break
			}
		}
		if !listed {
			t.Errorf("README.md has no table row for %s %s", name, version)
		}
	}
}

func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
