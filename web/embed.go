// Package web embeds the built React app (web/dist) into the binary. The
// app's source lives beside this file; `npm run build` refreshes dist.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app, rooted at its index.html.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: dist missing from the binary: " + err.Error())
	}
	return sub
}
