// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package index

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/testenv"
)

// Every index answers client.MatchingFields through a real cache: the
// indexes are registered on the informers directly, under the names and
// keys controller-runtime's cache reader asks for, and this is what would
// notice a controller-runtime that asks differently.
func TestIndexesAnswerFieldLookups(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := cache.New(env.Config, cache.Options{Scheme: env.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(ctx, c); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()

	const ns = "index"
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }
	tenant := v1alpha1.TenantReference{Name: "acme"}
	left := &v1alpha1.ScimUser{ObjectMeta: meta("leaver"), Spec: v1alpha1.ScimUserSpec{TenantRef: tenant, UserName: "leaver"}}
	left.MarkDeletedOverSCIM(time.Now())
	fixtures := []client.Object{
		&v1alpha1.ScimTenant{ObjectMeta: meta("acme"), Spec: v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "acme-token"}}},
		&v1alpha1.ScimUser{ObjectMeta: meta("alice"), Spec: v1alpha1.ScimUserSpec{
			TenantRef: tenant, UserName: "Alice", ExternalID: "ext-1", Active: ptr.To(true),
			Emails:     []v1alpha1.MultiValuedAttribute{{Value: "Alice@Example.com", Type: "work"}},
			Enterprise: &v1alpha1.EnterpriseUser{Manager: &v1alpha1.Manager{Value: "boss"}},
		}},
		left,
		&v1alpha1.ScimGroup{ObjectMeta: meta("admins"), Spec: v1alpha1.ScimGroupSpec{TenantRef: tenant, DisplayName: "Admins", ExternalID: "g-1"}},
		&v1alpha1.ScimGroupMemberSlice{ObjectMeta: meta("admins-000"), Spec: v1alpha1.ScimGroupMemberSliceSpec{
			TenantRef: tenant, GroupRef: v1alpha1.GroupReference{Name: "admins"}, Members: []v1alpha1.GroupMember{{Value: "alice"}},
		}},
	}
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range fixtures {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatalf("create %s: %v", o.GetName(), err)
		}
	}
	left.Status.RemovedFromGroups = []string{"admins"}
	if err := env.Client.Status().Update(ctx, left); err != nil {
		t.Fatal(err)
	}

	for _, d := range definitions() {
		checked := 0
		for _, o := range fixtures {
			gvk, err := apiutil.GVKForObject(o, env.Client.Scheme())
			if err != nil {
				t.Fatal(err)
			}
			want, err := apiutil.GVKForObject(d.obj, env.Client.Scheme())
			if err != nil {
				t.Fatal(err)
			}
			if gvk != want {
				continue
			}
			for _, key := range d.extract(o) {
				checked++
				err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
					obj, err := env.Client.Scheme().New(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
					if err != nil {
						return false, err
					}
					list := obj.(client.ObjectList)
					if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingFields{d.name: key}); err != nil {
						return false, err
					}
					items, err := apimeta.ExtractList(list)
					if err != nil {
						return false, err
					}
					return slices.ContainsFunc(items, func(i runtime.Object) bool { return i.(client.Object).GetName() == o.GetName() }), nil
				})
				if err != nil {
					t.Errorf("%s %q does not find %s: %v", d.name, key, o.GetName(), err)
				}
			}
		}
		if checked == 0 {
			t.Errorf("no fixture has a value for index %s", d.name)
		}
	}
}
