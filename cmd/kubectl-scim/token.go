// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

func newTokenCommand(o *options) *cobra.Command {
	token := &cobra.Command{Use: "token", Short: "Manage a tenant's bearer token"}
	var force bool
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Write a new random token into the tenant's Secret and print it once",
		Long: "rotate writes a new 256-bit token into the tenant's token Secret and prints it on stdout, once:\n" +
			"paste it into the identity provider. The previous token keeps working for the tenant's\n" +
			"tokenRotationGracePeriod. A Secret the operator did not generate belongs to whoever manages\n" +
			"it (a secrets manager would put its own token back): rotate it there, or pass --force.",
		Args: cobra.NoArgs,
		RunE: o.onTenant(func(ctx context.Context, tenant *v1alpha1.ScimTenant, _ []string) error {
			secret := &corev1.Secret{}
			key := client.ObjectKey{Namespace: tenant.Namespace, Name: tenant.Spec.TokenSecretRef.Name}
			if err := o.client.Get(ctx, key, secret); err != nil {
				return fmt.Errorf("get token Secret %s: %w", key, err)
			}
			if !metav1.IsControlledBy(secret, tenant) && !force {
				return fmt.Errorf("the operator did not generate Secret %s: rotate the token where the Secret is managed, or pass --force to overwrite it", key.Name)
			}
			patch := client.MergeFromWithOptions(secret.DeepCopy(), client.MergeFromWithOptimisticLock{})
			if secret.Data == nil {
				secret.Data = map[string][]byte{}
			}
			fresh := v1alpha1.GenerateToken()
			secret.Data[tenant.TokenKey()] = fresh
			if err := o.client.Patch(ctx, secret, patch); err != nil {
				return fmt.Errorf("write the new token into Secret %s: %w", key, err)
			}
			_, _ = fmt.Fprintf(o.Out, "%s\n", fresh)
			_, _ = fmt.Fprintf(o.ErrOut, "wrote a new token into Secret %s key %q; the previous one keeps working for %s\n",
				key.Name, tenant.TokenKey(), tenant.TokenRotationGracePeriod())
			return nil
		}),
	}
	rotate.Flags().BoolVar(&force, "force", false, "Overwrite the token of a Secret the operator did not generate.")
	token.AddCommand(rotate)
	return token
}

// eventRow is one provisioning event.
type eventRow struct {
	// Namespace is set when the events of every tenant are listed.
	Namespace string    `json:"namespace,omitempty"`
	LastSeen  time.Time `json:"lastSeen"`
	Type      string    `json:"type"`
	Reason    string    `json:"reason"`
	Object    string    `json:"object"`
	Count     int32     `json:"count"`
	Message   string    `json:"message"`
}

func newEventsCommand(o *options) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List the provisioning events of a tenant, its users and its groups, oldest first",
		Long: "events lists what the operator recorded about a tenant and its identities: users created,\n" +
			"deactivated, deleted, purged or restored, members skipped, values not normalised, tokens\n" +
			"rotated. The API server keeps Events for about an hour; kubectl scim history reads the\n" +
			"durable audit trail (docs/audit.md).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// Every tenant's: every event about the SCIM kinds.
			belongs := func(string, string) bool { return true }
			opts := []client.ListOption{}
			if !all {
				tenant, err := o.resolveTenant(ctx)
				if err != nil {
					return err
				}
				if belongs, err = o.tenantObjects(ctx, tenant); err != nil {
					return err
				}
				opts = append(opts, client.InNamespace(tenant.Namespace))
			}
			list := &eventsv1.EventList{}
			if err := o.client.List(ctx, list, opts...); err != nil {
				return fmt.Errorf("list events: %w", err)
			}
			rows := []eventRow{}
			for _, e := range list.Items {
				if e.Regarding.APIVersion != v1alpha1.GroupVersion.String() || !belongs(e.Regarding.Kind, e.Regarding.Name) {
					continue
				}
				r := eventRow{LastSeen: lastSeen(&e), Type: e.Type, Reason: e.Reason, Object: e.Regarding.Kind + "/" + e.Regarding.Name, Count: 1, Message: e.Note}
				if all {
					r.Namespace = e.Namespace
				}
				if e.Series != nil {
					r.Count = e.Series.Count
				}
				rows = append(rows, r)
			}
			slices.SortStableFunc(rows, func(a, b eventRow) int { return a.LastSeen.Compare(b.LastSeen) })
			now := time.Now()
			header := []string{"LAST-SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"}
			if all {
				header = append([]string{"NAMESPACE"}, header...)
			}
			t := &table{header: header}
			for _, r := range rows {
				cells := []string{age(&r.LastSeen, now), r.Type, r.Reason, r.Object, itoa(r.Count), r.Message}
				if all {
					cells = append([]string{r.Namespace}, cells...)
				}
				t.add(cells...)
			}
			return o.print(t, rows)
		},
	}
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "List the provisioning events of every namespace.")
	return cmd
}

// tenantObjects says whether an object of the SCIM kinds, by kind and
// name, is tenant's or one of its identities. A namespace with one tenant
// needs no lookups: everything in it is that tenant's.
func (o *options) tenantObjects(ctx context.Context, tenant *v1alpha1.ScimTenant) (func(kind, name string) bool, error) {
	tenants := &v1alpha1.ScimTenantList{}
	if err := o.client.List(ctx, tenants, client.InNamespace(tenant.Namespace)); err != nil {
		return nil, fmt.Errorf("list tenants in %s: %w", tenant.Namespace, err)
	}
	isTenant := func(kind, name string) bool { return kind == "ScimTenant" && name == tenant.Name }
	if len(tenants.Items) == 1 {
		return func(kind, name string) bool {
			return isTenant(kind, name) || kind == "ScimUser" || kind == "ScimGroup"
		}, nil
	}
	mine := map[string]bool{}
	if err := o.eachUser(ctx, tenant, nil, func(u *v1alpha1.ScimUser) error {
		mine["ScimUser/"+u.Name] = true
		return nil
	}); err != nil {
		return nil, err
	}
	groups := &v1alpha1.ScimGroupList{}
	if err := o.client.List(ctx, groups, client.InNamespace(tenant.Namespace)); err != nil {
		return nil, fmt.Errorf("list groups in %s: %w", tenant.Namespace, err)
	}
	for _, g := range groups.Items {
		if g.Spec.TenantRef.Name == tenant.Name {
			mine["ScimGroup/"+g.Name] = true
		}
	}
	return func(kind, name string) bool { return isTenant(kind, name) || mine[kind+"/"+name] }, nil
}

func lastSeen(e *eventsv1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.DeprecatedLastTimestamp.IsZero():
		return e.DeprecatedLastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}
