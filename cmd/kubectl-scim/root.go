// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/scheme"
)

// Output formats every listing command takes.
const (
	outputTable = "table"
	outputWide  = "wide"
	outputJSON  = "json"
	outputYAML  = "yaml"
)

// listPage is how many objects one list request asks for, so that a
// tenant of 100,000 users is read in pages, not in one response.
const listPage = 500

// options are the flags every command shares, and the clients they make.
type options struct {
	genericiooptions.IOStreams
	config *genericclioptions.ConfigFlags
	output string
	tenant string

	restConfig *rest.Config
	client     client.Client
	namespace  string
}

func newRootCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &options{IOStreams: streams, config: genericclioptions.NewConfigFlags(true)}
	root := &cobra.Command{
		Use: "kubectl-scim",
		// kubectl runs the plugin as kubectl scim; usage and help say so.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl scim"},
		Short:       "Inspect and operate scim-operator tenants, users and tokens",
		Long: "kubectl scim shows scim-operator's tenants and users as SCIM sees them, and takes the actions\n" +
			"a platform team takes by hand: restore a deleted user, purge one now, rotate a tenant's token,\n" +
			"and check a tenant end to end with doctor.",
		SilenceUsage:  true,
		SilenceErrors: false,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if err := o.checkOutput(); err != nil {
				return err
			}
			return o.connect()
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	o.config.AddFlags(root.PersistentFlags())
	root.PersistentFlags().StringVarP(&o.output, "output", "o", outputTable, "Output format: table, wide (the table with more columns), json or yaml.")
	root.PersistentFlags().StringVarP(&o.tenant, "tenant", "t", "", "The ScimTenant, in the namespace (-n); may be left out when the namespace has one tenant.")
	root.AddCommand(newTenantsCommand(o), newUsersCommand(o), newShowCommand(o), newRestoreCommand(o),
		newPurgeCommand(o), newTokenCommand(o), newEventsCommand(o), newHistoryCommand(o), newDoctorCommand(o), newVersionCommand(o))
	return root
}

func (o *options) checkOutput() error {
	if !slices.Contains([]string{outputTable, outputWide, outputJSON, outputYAML}, o.output) {
		return fmt.Errorf("unknown output format %q: use table, wide, json or yaml", o.output)
	}
	return nil
}

// connect builds the clients from the kubeconfig flags, as kubectl does.
func (o *options) connect() error {
	cfg, err := o.config.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("read kubeconfig: %w", err)
	}
	ns, _, err := o.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fmt.Errorf("read namespace from kubeconfig: %w", err)
	}
	s, err := scheme.New()
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	o.restConfig, o.client, o.namespace = cfg, c, ns
	return nil
}

// resolveTenant returns the tenant the command is about: the one -t names,
// or the namespace's only tenant.
func (o *options) resolveTenant(ctx context.Context) (*v1alpha1.ScimTenant, error) {
	if o.tenant != "" {
		t := &v1alpha1.ScimTenant{}
		if err := o.client.Get(ctx, client.ObjectKey{Namespace: o.namespace, Name: o.tenant}, t); err != nil {
			return nil, fmt.Errorf("get tenant %s/%s: %w", o.namespace, o.tenant, err)
		}
		return t, nil
	}
	list := &v1alpha1.ScimTenantList{}
	if err := o.client.List(ctx, list, client.InNamespace(o.namespace)); err != nil {
		return nil, fmt.Errorf("list tenants in %s: %w", o.namespace, err)
	}
	switch len(list.Items) {
	case 1:
		return &list.Items[0], nil
	case 0:
		return nil, fmt.Errorf("namespace %s has no ScimTenant: pick the namespace with -n", o.namespace)
	default:
		names := make([]string, 0, len(list.Items))
		for _, t := range list.Items {
			names = append(names, t.Name)
		}
		return nil, fmt.Errorf("namespace %s has %d tenants (%s): pick one with -t", o.namespace, len(names), strings.Join(names, ", "))
	}
}

// onTenant is a command body that acts on the tenant the flags name.
func (o *options) onTenant(run func(ctx context.Context, tenant *v1alpha1.ScimTenant, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		tenant, err := o.resolveTenant(cmd.Context())
		if err != nil {
			return err
		}
		return run(cmd.Context(), tenant, args)
	}
}

// eachUser calls fn with every user of tenant, a page at a time.
func (o *options) eachUser(ctx context.Context, tenant *v1alpha1.ScimTenant, selector client.MatchingLabels, fn func(*v1alpha1.ScimUser) error) error {
	opts := []client.ListOption{client.InNamespace(tenant.Namespace), client.Limit(listPage)}
	if selector != nil {
		opts = append(opts, selector)
	}
	for cont := ""; ; {
		list := &v1alpha1.ScimUserList{}
		if err := o.client.List(ctx, list, append(opts, client.Continue(cont))...); err != nil {
			return fmt.Errorf("list users in %s: %w", tenant.Namespace, err)
		}
		for i := range list.Items {
			if list.Items[i].Spec.TenantRef.Name != tenant.Name {
				continue
			}
			if err := fn(&list.Items[i]); err != nil {
				return err
			}
		}
		if cont = list.Continue; cont == "" {
			return nil
		}
	}
}

// findUser finds a user of tenant by SCIM id (its name) or by userName,
// case-insensitively as SCIM compares userNames.
func (o *options) findUser(ctx context.Context, tenant *v1alpha1.ScimTenant, ref string) (*v1alpha1.ScimUser, error) {
	u := &v1alpha1.ScimUser{}
	err := o.client.Get(ctx, client.ObjectKey{Namespace: tenant.Namespace, Name: ref}, u)
	if err == nil && u.Spec.TenantRef.Name == tenant.Name {
		return u, nil
	}
	if err != nil && client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("get user %s/%s: %w", tenant.Namespace, ref, err)
	}
	var found *v1alpha1.ScimUser
	errFound := errors.New("found")
	err = o.eachUser(ctx, tenant, nil, func(u *v1alpha1.ScimUser) error {
		if v1alpha1.Fold(u.Spec.UserName) == v1alpha1.Fold(ref) {
			found = u.DeepCopy()
			if u.IsLive() {
				return errFound
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("tenant %s/%s has no user with id or userName %q", tenant.Namespace, tenant.Name, ref)
	}
	return found, nil
}

// table is rows of cells under a header, written aligned.
type table struct {
	header []string
	rows   [][]string
	// wide is how many of the last columns only -o wide shows.
	wide int
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// print writes what a command found: the table, or the values as JSON or
// YAML for scripts.
func (o *options) print(t *table, values any) error {
	switch o.output {
	case outputTable:
		return writeTable(o.Out, t.narrow())
	case outputWide:
		return writeTable(o.Out, t)
	}
	return o.encode(o.output, values)
}

// encode writes v as JSON or YAML.
func (o *options) encode(format string, v any) error {
	var b []byte
	var err error
	if format == outputYAML {
		b, err = yaml.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
		b = append(b, '\n')
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	if _, err := o.Out.Write(b); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// narrow is the table without the columns only -o wide shows.
func (t *table) narrow() *table {
	if t.wide == 0 {
		return t
	}
	out := &table{header: t.header[:len(t.header)-t.wide]}
	for _, r := range t.rows {
		out.rows = append(out.rows, r[:len(r)-t.wide])
	}
	return out
}

func writeTable(w io.Writer, t *table) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	_, _ = fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		_, _ = fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// age renders how long ago t was, as kubectl does ("5m", "3d"); "<none>"
// for no time.
func age(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "<none>"
	}
	d := now.Sub(*t)
	switch {
	case d < 0:
		return "in " + age(&now, *t)
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
