// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Command scim-check runs every identity provider's provisioning script
// against a SCIM endpoint: the checks a platform team runs after installing
// the operator, before giving the endpoint to an identity provider admin.
//
//	go run ./cmd/scim-check --url https://scim.example.com/scim/v2/identities/acme --token "$TOKEN"
//
// It creates users and groups with names that start with scim-check-, runs
// each script through its phases, prints a table, and deletes what it
// created. The exit status is 1 when any script failed.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scim-operator/scim-operator/internal/idp"
	"github.com/scim-operator/scim-operator/internal/version"
)

type options struct {
	url, token, only string
	users, groups    int
	duplicates, keep bool
	timeout          time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "The tenant's SCIM base URL, …/scim/v2/<namespace>/<tenant>.")
	flag.StringVar(&o.token, "token", os.Getenv("SCIM_TOKEN"), "The tenant's bearer token (default $SCIM_TOKEN).")
	flag.StringVar(&o.only, "idp", "", "Comma-separated scripts to run (default all): "+strings.Join(names(), ", ")+".")
	flag.IntVar(&o.users, "users", 5, "Users each script provisions.")
	flag.IntVar(&o.groups, "groups", 2, "Groups each script provisions.")
	flag.BoolVar(&o.duplicates, "duplicates", false, "Also run each script delivering every write twice, as providers do after timeouts.")
	flag.BoolVar(&o.keep, "keep", false, "Keep what the scripts created instead of deleting it.")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "Give up after this long.")
	showVersion := flag.Bool("version", false, "Print the version and exit.")
	flag.Parse()
	if *showVersion {
		fmt.Println("scim-check", version.Get())
		return
	}
	if o.url == "" || o.token == "" {
		fmt.Fprintln(os.Stderr, "scim-check: --url and --token (or SCIM_TOKEN) are required")
		flag.Usage()
		os.Exit(2)
	}
	if !run(o) {
		os.Exit(1)
	}
}

func run(o options) bool {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	return check(ctx, os.Stdout, o)
}

func names() []string {
	var out []string
	for _, s := range idp.Scripts() {
		out = append(out, s.Name)
	}
	return out
}

// check runs the selected scripts and prints their table; it reports
// whether all passed.
func check(ctx context.Context, w io.Writer, o options) bool {
	target := &idp.Target{BaseURL: strings.TrimRight(o.url, "/"), Token: o.token, HTTP: &http.Client{Timeout: 30 * time.Second}}
	selected := map[string]bool{}
	for _, n := range strings.Split(o.only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			selected[n] = true
		}
	}
	variants := []bool{false}
	if o.duplicates {
		variants = append(variants, true)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "IDP\tDELIVERY\tREQUESTS\tRESULT")
	var failures []string
	ok := true
	for _, script := range idp.Scripts() {
		if len(selected) > 0 && !selected[script.Name] {
			continue
		}
		for _, dup := range variants {
			delivery := "once"
			if dup {
				delivery = "twice"
			}
			r, err := script.Run(ctx, target, prefix(script.Name), o.users, o.groups, dup)
			result := "ok"
			if err != nil {
				ok, result = false, "FAIL"
				failures = append(failures, err.Error())
			}
			if !o.keep {
				if cerr := r.Cleanup(); cerr != nil {
					failures = append(failures, cerr.Error())
				}
			}
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", script.Name, delivery, r.Requests, result)
		}
	}
	_ = tw.Flush()
	for _, f := range failures {
		_, _ = fmt.Fprintf(w, "\n%s\n", f)
	}
	return ok
}

// prefix names a run's users and groups so that runs never collide.
func prefix(script string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "scim-check-" + hex.EncodeToString(b) + "-" + script
}
