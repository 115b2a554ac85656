// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package version says which release of scim-operator a binary is. The
// release build stamps Version and Revision with -ldflags -X; a binary
// built with `go install …@vX.Y.Z` learns both from the build information
// the Go toolchain records, so that every way of building says the truth.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// devel is the version of a build from a work tree that nothing stamped.
const devel = "v0.0.0-dev"

// Set at link time: -X github.com/scim-operator/scim-operator/internal/version.Version=v0.1.0.
var (
	Version  = ""
	Revision = ""
)

// Info is one binary's version.
type Info struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	GoVersion string `json:"goVersion"`
}

// Get returns this binary's version: what the link stamped, else what the
// Go toolchain recorded of the module and its VCS state.
func Get() Info {
	info := Info{Version: Version, Revision: Revision, GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fill(info)
	}
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	if info.Revision == "" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				info.Revision = s.Value
			}
		}
	}
	return fill(info)
}

func fill(info Info) Info {
	if info.Version == "" {
		info.Version = devel
	}
	if info.Revision == "" {
		info.Revision = "unknown"
	}
	return info
}

// String is the one line `--version` prints.
func (i Info) String() string {
	return fmt.Sprintf("%s (revision %s, %s)", i.Version, i.Revision, i.GoVersion)
}
