// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/mapping"
)

func newShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show user ID|userName",
		Short: "Show a user as the identity provider sees it over SCIM, with its groups",
		Long: "show renders the user the way the SCIM server answers GET /Users/{id}, from the same mapping,\n" +
			"so what a platform team reads is what the identity provider gets. A user deleted over SCIM is\n" +
			"shown too (the identity provider gets 404 for it), with its phase and purge time on stderr.",
		Args:              userArgs,
		ValidArgsFunction: o.completeUserArgs,
		RunE: o.onTenant(func(ctx context.Context, tenant *v1alpha1.ScimTenant, args []string) error {
			u, err := o.findUser(ctx, tenant, args[1])
			if err != nil {
				return err
			}
			groups, err := o.groupsOf(ctx, tenant, u.Name)
			if err != nil {
				return err
			}
			if u.HiddenFromSCIM() {
				purge := "<none>"
				if u.Status.PurgeAt != nil {
					purge = u.Status.PurgeAt.UTC().Format("2006-01-02T15:04:05Z")
				}
				_, _ = fmt.Fprintf(o.ErrOut, "user %s is %s: the identity provider gets 404 for it; its data is purged at %s\n", u.Name, orNone(string(u.Status.Phase)), purge)
			}
			doc := mapping.User(u, strings.TrimSuffix(tenant.Status.Endpoint, "/")+"/Users/"+u.Name, groups)
			// The SCIM view is JSON unless another rendering is asked for:
			// a table of it would say less.
			return o.printObject(doc)
		}),
	}
}

// groupsOf lists the SCIM groups of tenant that user is a member of, as
// the SCIM server shows them in the user's groups attribute.
func (o *options) groupsOf(ctx context.Context, tenant *v1alpha1.ScimTenant, user string) ([]mapping.Ref, error) {
	var names []string
	for cont := ""; ; {
		list := &v1alpha1.ScimGroupMemberSliceList{}
		if err := o.client.List(ctx, list, client.InNamespace(tenant.Namespace), client.Limit(listPage), client.Continue(cont)); err != nil {
			return nil, fmt.Errorf("list member slices in %s: %w", tenant.Namespace, err)
		}
		for _, sl := range list.Items {
			if sl.Spec.TenantRef.Name == tenant.Name && slices.Contains(sl.Spec.Members, v1alpha1.GroupMember{Value: user}) {
				names = append(names, sl.Spec.GroupRef.Name)
			}
		}
		if cont = list.Continue; cont == "" {
			break
		}
	}
	slices.Sort(names)
	var refs []mapping.Ref
	for _, name := range slices.Compact(names) {
		g := &v1alpha1.ScimGroup{}
		if err := o.client.Get(ctx, client.ObjectKey{Namespace: tenant.Namespace, Name: name}, g); err != nil {
			if client.IgnoreNotFound(err) == nil {
				continue
			}
			return nil, fmt.Errorf("get group %s/%s: %w", tenant.Namespace, name, err)
		}
		if g.Spec.ManagedBy != v1alpha1.ManagedBySCIM {
			continue
		}
		refs = append(refs, mapping.Ref{Value: g.Name, Display: g.Spec.DisplayName, Ref: strings.TrimSuffix(tenant.Status.Endpoint, "/") + "/Groups/" + g.Name})
	}
	return refs, nil
}
