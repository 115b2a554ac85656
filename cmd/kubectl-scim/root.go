// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/scheme"
)

// listPage is how many objects one list request asks for, so that a
// tenant of 100,000 users is read in pages, not in one response.
const listPage = 500

// options are the flags every command shares, and the clients they make.
type options struct {
	genericiooptions.IOStreams
	config *genericclioptions.ConfigFlags
	output string
	// format is the output's format; jsonPath and columns are its
	// template, parsed once, for -o jsonpath=… and -o custom-columns=….
	format    string
	jsonPath  *jsonpath.JSONPath
	columns   []column
	noHeaders bool
	tenant    string

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
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if offline(cmd) {
				return nil
			}
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
	root.PersistentFlags().StringVarP(&o.output, "output", "o", "", "Output format: wide (the table with more columns), name, json, yaml, jsonpath=TEMPLATE or custom-columns=HEADER:JSONPATH,...; the table when empty.")
	root.PersistentFlags().BoolVar(&o.noHeaders, "no-headers", false, "Leave out the header of tables and custom columns.")
	root.PersistentFlags().StringVarP(&o.tenant, "tenant", "t", "", "The ScimTenant, in the namespace (-n); may be left out when the namespace has one tenant.")
	// kubectl's own flags complete as kubectl completes them.
	_ = root.RegisterFlagCompletionFunc("namespace", o.complete(o.namespaceNames))
	_ = root.RegisterFlagCompletionFunc("tenant", o.complete(o.tenantNames))
	root.AddCommand(newTenantsCommand(o), newUsersCommand(o), newShowCommand(o), newRestoreCommand(o),
		newPurgeCommand(o), newTokenCommand(o), newEventsCommand(o), newHistoryCommand(o), newDoctorCommand(o), newVersionCommand(o))
	return root
}

// offline reports whether cmd is cobra's: a completion request, whose
// flags are not parsed yet when this runs and which connects itself once
// they are, or the completion script.
func offline(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		switch c.Name() {
		case cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd, "completion":
			return true
		}
	}
	return false
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

// onTenants is a listing command's body: it acts on the tenant the flags
// name, or with *all on every tenant of every namespace.
func (o *options) onTenants(all *bool, run func(ctx context.Context, tenants []*v1alpha1.ScimTenant) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if !*all {
			tenant, err := o.resolveTenant(ctx)
			if err != nil {
				return err
			}
			return run(ctx, []*v1alpha1.ScimTenant{tenant})
		}
		list := &v1alpha1.ScimTenantList{}
		if err := o.client.List(ctx, list); err != nil {
			return fmt.Errorf("list tenants: %w", err)
		}
		tenants := make([]*v1alpha1.ScimTenant, len(list.Items))
		for i := range list.Items {
			tenants[i] = &list.Items[i]
		}
		return run(ctx, tenants)
	}
}

// eachUser calls fn with every user of tenant that selector (nil: any)
// matches, a page at a time.
func (o *options) eachUser(ctx context.Context, tenant *v1alpha1.ScimTenant, selector labels.Selector, fn func(*v1alpha1.ScimUser) error) error {
	opts := []client.ListOption{client.InNamespace(tenant.Namespace), client.Limit(listPage)}
	if selector != nil {
		opts = append(opts, client.MatchingLabelsSelector{Selector: selector})
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

// maxCompletions bounds what one completion offers: a tenant of 100,000
// users is not listed into a shell.
const maxCompletions = 1000

// complete offers the names list returns that start with toComplete.
// Completion runs no PersistentPreRunE, so it connects on its own; a
// cluster it cannot reach offers nothing.
func (o *options) complete(list func(ctx context.Context) ([]string, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if err := o.connect(); err != nil {
			cobra.CompDebugln("connect: "+err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, err := list(cmd.Context())
		if err != nil {
			cobra.CompDebugln("list completions: "+err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range names {
			if strings.HasPrefix(strings.ToLower(n), strings.ToLower(toComplete)) && len(out) < maxCompletions {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func (o *options) namespaceNames(ctx context.Context) ([]string, error) {
	return o.objectNames(ctx, &corev1.NamespaceList{})
}

func (o *options) tenantNames(ctx context.Context) ([]string, error) {
	return o.objectNames(ctx, &v1alpha1.ScimTenantList{}, client.InNamespace(o.namespace))
}

// objectNames lists the names of the objects list holds.
func (o *options) objectNames(ctx context.Context, list client.ObjectList, opts ...client.ListOption) ([]string, error) {
	if err := o.client.List(ctx, list, opts...); err != nil {
		return nil, fmt.Errorf("list for completion: %w", err)
	}
	var names []string
	err := meta.EachListItem(list, func(obj runtime.Object) error {
		if m, ok := obj.(metav1.Object); ok {
			names = append(names, m.GetName())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the list: %w", err)
	}
	return names, nil
}

// userNames are the userNames of the tenant the flags name.
func (o *options) userNames(ctx context.Context) ([]string, error) {
	tenant, err := o.resolveTenant(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	errEnough := errors.New("enough")
	err = o.eachUser(ctx, tenant, nil, func(u *v1alpha1.ScimUser) error {
		names = append(names, u.Spec.UserName)
		if len(names) >= 10*maxCompletions {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return names, nil
}

// completeUserArgs completes "user" and then a userName of the tenant.
func (o *options) completeUserArgs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return []string{"user"}, cobra.ShellCompDirectiveNoFileComp
	case 1:
		return o.complete(o.userNames)(cmd, args, toComplete)
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}
