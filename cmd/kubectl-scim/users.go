// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// tenantRow is what `kubectl scim tenants` says of one tenant.
type tenantRow struct {
	Namespace    string     `json:"namespace"`
	Name         string     `json:"name"`
	Ready        string     `json:"ready"`
	Reason       string     `json:"reason,omitempty"`
	Endpoint     string     `json:"endpoint,omitempty"`
	Active       int32      `json:"active"`
	Inactive     int32      `json:"inactive"`
	PendingPurge int32      `json:"pendingPurge"`
	Manual       int32      `json:"manual"`
	Groups       int32      `json:"groups"`
	TokenSince   *time.Time `json:"tokenSince,omitempty"`
	// Limits are the limits that apply to the tenant, as its status says.
	Limits *v1alpha1.EffectiveLimits `json:"limits,omitempty"`
}

func newTenantsCommand(o *options) *cobra.Command {
	var all bool
	var labelSelector string
	cmd := &cobra.Command{
		Use:   "tenants",
		Short: "List tenants: endpoint, readiness, user counts and token age; -o wide adds their limits",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			selector, err := labels.Parse(labelSelector)
			if err != nil {
				return fmt.Errorf("parse the label selector %q: %w", labelSelector, err)
			}
			opts := []client.ListOption{client.MatchingLabelsSelector{Selector: selector}}
			if !all {
				opts = append(opts, client.InNamespace(o.namespace))
			}
			list := &v1alpha1.ScimTenantList{}
			if err := o.client.List(cmd.Context(), list, opts...); err != nil {
				return fmt.Errorf("list tenants: %w", err)
			}
			now := time.Now()
			t := &table{header: []string{"NAMESPACE", "NAME", "READY", "ENDPOINT", "ACTIVE", "INACTIVE", "PENDING-PURGE", "MANUAL", "GROUPS", "TOKEN-AGE",
				"RATE", "BURST", "IN-FLIGHT", "MAX-USERS", "MAX-GROUPS"}, wide: 5, kind: "scimtenant." + v1alpha1.GroupVersion.Group}
			rows := make([]tenantRow, 0, len(list.Items))
			for _, tn := range list.Items {
				r := tenantRow{
					Namespace: tn.Namespace, Name: tn.Name, Ready: "Unknown", Endpoint: tn.Status.Endpoint,
					Active: tn.Status.Users.Active, Inactive: tn.Status.Users.Inactive,
					PendingPurge: tn.Status.Users.PendingPurge, Manual: tn.Status.Users.Manual, Groups: tn.Status.Groups,
					Limits: tn.Status.Limits,
				}
				if c := meta.FindStatusCondition(tn.Status.Conditions, v1alpha1.ConditionReady); c != nil {
					r.Ready, r.Reason = string(c.Status), c.Reason
				}
				if tn.Status.TokenObservedAt != nil {
					r.TokenSince = &tn.Status.TokenObservedAt.Time
				}
				rows = append(rows, r)
				lim := ptr.Deref(r.Limits, v1alpha1.EffectiveLimits{})
				t.addObject(r.Name, r.Namespace, r.Name, r.Ready, orNone(r.Endpoint), itoa(r.Active), itoa(r.Inactive), itoa(r.PendingPurge), itoa(r.Manual), itoa(r.Groups), age(r.TokenSince, now),
					itoa(lim.RequestsPerSecond), itoa(lim.Burst), itoa(lim.MaxInFlight), bound(lim.MaxUsers), bound(lim.MaxGroups))
			}
			return o.print(t, rows)
		},
	}
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "List the tenants of every namespace.")
	cmd.Flags().StringVarP(&labelSelector, "selector", "l", "", "Only tenants with these labels (as kubectl's -l).")
	return cmd
}

// userRow is what `kubectl scim users` says of one user.
type userRow struct {
	// Namespace and Tenant are set when users of every tenant are listed.
	Namespace         string     `json:"namespace,omitempty"`
	Tenant            string     `json:"tenant,omitempty"`
	ID                string     `json:"id"`
	UserName          string     `json:"userName"`
	Phase             string     `json:"phase"`
	Email             string     `json:"email,omitempty"`
	PurgeAt           *time.Time `json:"purgeAt,omitempty"`
	InvalidAttributes []string   `json:"invalidAttributes,omitempty"`
}

func newUsersCommand(o *options) *cobra.Command {
	var phase, labelSelector string
	var invalid, all bool
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List a tenant's users, by phase or with values that could not be normalised",
		Example: "  kubectl scim users -n identities -t acme --phase Deleted\n" +
			"  kubectl scim users -n identities --invalid",
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			switch v1alpha1.UserPhase(phase) {
			case "", v1alpha1.UserPhaseActive, v1alpha1.UserPhaseInactive, v1alpha1.UserPhaseDeleted:
				return nil
			}
			return fmt.Errorf("unknown phase %q: use Active, Inactive or Deleted", phase)
		},
		RunE: o.onTenants(&all, func(ctx context.Context, tenants []*v1alpha1.ScimTenant) error {
			selector, err := labels.Parse(labelSelector)
			if err != nil {
				return fmt.Errorf("parse the label selector %q: %w", labelSelector, err)
			}
			if invalid {
				req, _ := labels.NewRequirement(v1alpha1.LabelAttributesInvalid, selection.Equals, []string{"true"})
				selector = selector.Add(*req)
			}
			now := time.Now()
			header := []string{"ID", "USERNAME", "PHASE", "EMAIL", "PURGE", "INVALID"}
			if all {
				header = append([]string{"NAMESPACE", "TENANT"}, header...)
			}
			t := &table{header: header, kind: "scimuser." + v1alpha1.GroupVersion.Group}
			rows := []userRow{}
			for _, tenant := range tenants {
				err := o.eachUser(ctx, tenant, selector, func(u *v1alpha1.ScimUser) error {
					if phase != "" && string(u.Status.Phase) != phase {
						return nil
					}
					r := userRow{ID: u.Name, UserName: u.Spec.UserName, Phase: string(u.Status.Phase), Email: u.Status.Email, InvalidAttributes: u.Status.InvalidAttributes}
					if u.Status.PurgeAt != nil {
						r.PurgeAt = &u.Status.PurgeAt.Time
					}
					cells := []string{r.ID, r.UserName, orNone(r.Phase), orNone(r.Email), age(r.PurgeAt, now), itoa(int32(len(r.InvalidAttributes)))}
					if all {
						r.Namespace, r.Tenant = tenant.Namespace, tenant.Name
						cells = append([]string{r.Namespace, r.Tenant}, cells...)
					}
					rows = append(rows, r)
					t.addObject(r.ID, cells...)
					return nil
				})
				if err != nil {
					return err
				}
			}
			return o.print(t, rows)
		}),
	}
	cmd.Flags().StringVar(&phase, "phase", "", "Only users in this phase: Active, Inactive or Deleted.")
	cmd.Flags().BoolVar(&invalid, "invalid", false, "Only users with attribute values that could not be normalised.")
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "List the users of every tenant in every namespace.")
	cmd.Flags().StringVarP(&labelSelector, "selector", "l", "", "Only users with these labels (as kubectl's -l).")
	return cmd
}

func newRestoreCommand(o *options) *cobra.Command {
	var timeout time.Duration
	return userActionCommand(o, "restore", "Restore a user deleted over SCIM, without its old memberships",
		&timeout, func(ctx context.Context, u *v1alpha1.ScimUser) error {
			if !u.DeletedOverSCIM() {
				return fmt.Errorf("user %s (%s) is not deleted over SCIM: there is nothing to restore", u.Name, u.Spec.UserName)
			}
			if err := o.annotate(ctx, u, v1alpha1.AnnotationRestore); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(o.ErrOut, "asked to restore user %s (%s)\n", u.Name, u.Spec.UserName)
			return o.waitFor(ctx, u, timeout, func(u *v1alpha1.ScimUser, gone bool) (bool, error) {
				switch {
				case gone:
					return true, fmt.Errorf("user %s was purged before it could be restored", u.Name)
				case u.Annotations[v1alpha1.AnnotationRestore] == "true":
					return false, nil
				case u.DeletedOverSCIM():
					return true, fmt.Errorf("user %s could not be restored: a newer user holds its userName or email (see kubectl scim events)", u.Name)
				}
				_, _ = fmt.Fprintf(o.Out, "user %s (%s) restored\n", u.Name, u.Spec.UserName)
				return true, nil
			})
		})
}

func newPurgeCommand(o *options) *cobra.Command {
	var timeout time.Duration
	var yes bool
	cmd := userActionCommand(o, "purge", "Remove a deactivated or deleted user's data now, instead of at the end of the retention",
		&timeout, func(ctx context.Context, u *v1alpha1.ScimUser) error {
			if u.IsLive() && u.IsActive() {
				return fmt.Errorf("user %s (%s) is active: only a deactivated or deleted user is purged; deactivate it in the identity provider first", u.Name, u.Spec.UserName)
			}
			if !yes {
				_, _ = fmt.Fprintf(o.ErrOut, "This removes the data of user %s (%s) for good; it cannot be undone.\nType the userName to confirm: ", u.Name, u.Spec.UserName)
				answer, _ := bufio.NewReader(o.In).ReadString('\n')
				if strings.TrimSpace(answer) != u.Spec.UserName {
					return fmt.Errorf("not confirmed: user %s left as it is", u.Name)
				}
			}
			if err := o.annotate(ctx, u, v1alpha1.AnnotationPurgeNow); err != nil {
				return err
			}
			return o.waitFor(ctx, u, timeout, func(u *v1alpha1.ScimUser, gone bool) (bool, error) {
				if gone {
					_, _ = fmt.Fprintf(o.Out, "user %s purged\n", u.Name)
				}
				return gone, nil
			})
		})
	cmd.Flags().BoolVar(&yes, "yes", false, "Do not ask for confirmation.")
	return cmd
}

// userActionCommand is a `<verb> user ID|userName` command.
func userActionCommand(o *options, verb, short string, timeout *time.Duration, act func(context.Context, *v1alpha1.ScimUser) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:               verb + " user ID|userName",
		Short:             short,
		Args:              userArgs,
		ValidArgsFunction: o.completeUserArgs,
		RunE: o.onTenant(func(ctx context.Context, tenant *v1alpha1.ScimTenant, args []string) error {
			u, err := o.findUser(ctx, tenant, args[1])
			if err != nil {
				return err
			}
			return act(ctx, u)
		}),
	}
	cmd.Flags().DurationVar(timeout, "timeout", 30*time.Second, "How long to wait for the operator to act; 0 waits not at all.")
	return cmd
}

func userArgs(_ *cobra.Command, args []string) error {
	if len(args) != 2 || args[0] != "user" {
		return fmt.Errorf("expected: user ID|userName")
	}
	return nil
}

// annotate sets annotation key to "true" on u, where the user controller
// acts on it.
func (o *options) annotate(ctx context.Context, u *v1alpha1.ScimUser, key string) error {
	patch := client.MergeFrom(u.DeepCopy())
	metav1.SetMetaDataAnnotation(&u.ObjectMeta, key, "true")
	if err := o.client.Patch(ctx, u, patch); err != nil {
		return fmt.Errorf("annotate user %s/%s: %w", u.Namespace, u.Name, err)
	}
	return nil
}

// waitFor polls u until done says the operator has acted, or the timeout
// passes; then the request stays on the user for the operator to act on.
func (o *options) waitFor(ctx context.Context, u *v1alpha1.ScimUser, timeout time.Duration, done func(u *v1alpha1.ScimUser, gone bool) (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		latest := &v1alpha1.ScimUser{}
		err := o.client.Get(ctx, client.ObjectKeyFromObject(u), latest)
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("get user %s/%s: %w", u.Namespace, u.Name, err)
		}
		if err != nil {
			latest = u
		}
		if ok, err := done(latest, err != nil); ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for user %s: %w", u.Name, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if timeout > 0 {
		return fmt.Errorf("the operator has not acted on user %s within %s; the request stays on it (is the controller running? see kubectl scim doctor)", u.Name, timeout)
	}
	return nil
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// bound renders a limit that may be unset, as "<none>" then.
func bound(n *int32) string {
	if n == nil {
		return "<none>"
	}
	return itoa(*n)
}
