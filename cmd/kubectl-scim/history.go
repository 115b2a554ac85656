// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
)

// maxTrailLine bounds one line of a log read for audit records; longer
// lines are someone else's and are skipped whole.
const maxTrailLine = 1 << 20

// whereTheTrailIs is said whenever the trail cannot be read from here.
const whereTheTrailIs = "the audit trail is the operator's standard output (JSON lines with \"audit\": \"" + audit.Version + "\"): " +
	"query the log store your cluster ships pod logs to, as docs/audit.md shows, or save the lines and pass them with --from-file"

func newHistoryCommand(o *options) *cobra.Command {
	var fromFile, operatorNamespace, selector string
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "history user ID|userName|externalId",
		Short: "Show every provisioning change to a user from the audit trail, a purged user's too",
		Long: "history reads the audit trail the operator writes on its standard output, one JSON line per\n" +
			"change, and lists the records of one user of the tenant, oldest first: created, updated (with\n" +
			"the attributes that changed), deactivated, deleted, restored, purged, refused writes. It reads\n" +
			"the logs of the operator's pods, which hold what the kubelet has not rotated away; for older\n" +
			"records pass a file of lines exported from your log store with --from-file (- reads stdin).",
		Args:              userArgs,
		ValidArgsFunction: o.completeUserArgs,
		RunE: o.onTenant(func(ctx context.Context, tenant *v1alpha1.ScimTenant, args []string) error {
			ref := args[1]
			ids := []string{ref}
			// A live user's id finds the records of every userName it had.
			if u, err := o.findUser(ctx, tenant, ref); err == nil {
				ids = append(ids, u.Name)
			}
			var records []audit.Record
			match := func(r audit.Record) {
				if r.Kind == "User" && r.Tenant == tenant.Namespace+"/"+tenant.Name &&
					(slices.Contains(ids, r.ID) || r.ExternalID == ref || v1alpha1.Fold(r.UserName) == v1alpha1.Fold(ref)) {
					records = append(records, r)
				}
			}
			var err error
			if fromFile != "" {
				err = readTrailFile(fromFile, o.In, match)
			} else {
				err = o.readTrailFromPods(ctx, operatorNamespace, selector, since, match)
			}
			if err != nil {
				return err
			}
			slices.SortStableFunc(records, func(a, b audit.Record) int { return a.Time.Compare(b.Time) })
			if len(records) == 0 && (o.format == outputTable || o.format == outputWide) {
				_, _ = fmt.Fprintf(o.ErrOut, "no audit record of user %q in tenant %s/%s\n", ref, tenant.Namespace, tenant.Name)
				return nil
			}
			t := &table{header: []string{"TIME", "ACTION", "OUTCOME", "ACTOR", "ID", "USERNAME", "DETAIL", "REQUEST-ID", "USER-AGENT"}, wide: 1}
			for _, r := range records {
				t.add(r.Time.UTC().Format(time.RFC3339), string(r.Action), r.Outcome, r.Actor, orNone(r.ID), orNone(r.UserName),
					orNone(recordDetail(r)), orNone(r.RequestID), orNone(r.UserAgent))
			}
			if records == nil {
				records = []audit.Record{}
			}
			return o.print(t, records)
		}),
	}
	cmd.Flags().StringVar(&fromFile, "from-file", "", "Read the trail from this file of log lines (- for stdin) instead of the operator's pods.")
	cmd.Flags().StringVar(&operatorNamespace, "operator-namespace", "", "The operator's namespace; empty looks in every namespace.")
	cmd.Flags().StringVarP(&selector, "selector", "l", "app.kubernetes.io/name=scim-operator", "Label selector of the operator's pods.")
	cmd.Flags().DurationVar(&since, "since", 0, "Only read pod logs newer than this; 0 reads all the kubelet kept.")
	return cmd
}

// recordDetail is what a table shows of a record beyond its action.
func recordDetail(r audit.Record) string {
	switch {
	case len(r.Changed) > 0:
		return strings.Join(r.Changed, ",")
	case r.Status != 0:
		return fmt.Sprintf("%d %s", r.Status, r.Detail)
	case r.Members != nil:
		return fmt.Sprintf("%d members", r.Members.Count)
	}
	return ""
}

// readTrailFile reads audit records from a file of log lines, or from in
// for "-".
func readTrailFile(path string, in io.Reader, fn func(audit.Record)) error {
	if path == "-" {
		return scanTrail(in, fn)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	return scanTrail(f, fn)
}

// scanTrail calls fn with each audit record among log lines. A line may
// carry a prefix a log exporter adds (a timestamp, a pod name): the record
// is the JSON object from the line's first brace.
func scanTrail(r io.Reader, fn func(audit.Record)) error {
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 64<<10), maxTrailLine)
	marker := []byte(`"audit":"` + audit.Version + `"`)
	for lines.Scan() {
		line := lines.Bytes()
		start := bytes.IndexByte(line, '{')
		if start < 0 || !bytes.Contains(line, marker) {
			continue
		}
		var rec audit.Record
		if json.Unmarshal(line[start:], &rec) == nil && rec.Audit == audit.Version {
			fn(rec)
		}
	}
	if err := lines.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("read the trail: %w", err)
	}
	return nil
}

// readTrailFromPods reads the audit records in the logs of the operator's
// pods, every container of each.
func (o *options) readTrailFromPods(ctx context.Context, namespace, selector string, since time.Duration, fn func(audit.Record)) error {
	cs, err := kubernetes.NewForConfig(o.restConfig)
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return fmt.Errorf("list the operator's pods (%s): %w; %s", selector, err, whereTheTrailIs)
	}
	if len(pods.Items) == 0 {
		return fmt.Errorf("no pod labelled %s%s; %s", selector, inNamespace(namespace), whereTheTrailIs)
	}
	var unreadable []string
	for _, p := range pods.Items {
		for _, c := range p.Spec.Containers {
			opts := &corev1.PodLogOptions{Container: c.Name}
			if since > 0 {
				opts.SinceSeconds = new(int64(since.Seconds()))
			}
			stream, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, opts).Stream(ctx)
			if err != nil {
				unreadable = append(unreadable, fmt.Sprintf("%s/%s: %v", p.Namespace, p.Name, err))
				continue
			}
			err = scanTrail(stream, fn)
			_ = stream.Close()
			if err != nil {
				unreadable = append(unreadable, fmt.Sprintf("%s/%s: %v", p.Namespace, p.Name, err))
			}
		}
	}
	if len(unreadable) > 0 {
		_, _ = fmt.Fprintf(o.ErrOut, "could not read the logs of %s; %s\n", strings.Join(unreadable, "; "), whereTheTrailIs)
	}
	return nil
}

func inNamespace(ns string) string {
	if ns == "" {
		return " in any namespace"
	}
	return " in namespace " + ns
}
