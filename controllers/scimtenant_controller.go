// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/internal/metrics"
)

// Event reasons of the tenant controller.
const (
	EventTokenGenerated = "TokenGenerated"
	// EventTokenRotated is recorded when the tenant's token changes.
	EventTokenRotated = "TokenRotated"
)

// ScimTenantReconciler keeps a tenant's bearer token Secret usable and
// reports the tenant's endpoint and readiness. Its user and group counts
// are the TenantCountReconciler's.
type ScimTenantReconciler struct {
	client.Client
	// APIReader reads Secrets the cache does not hold: those a platform
	// team created without the token label.
	APIReader   client.Reader
	Recorder    events.EventRecorder
	Clock       clock.PassiveClock
	SCIMBaseURL string
	// Namespace is the operator's own namespace, where the verifiers the
	// SCIM server checks tokens against are published.
	Namespace string
	// RateLimit is the SCIM server's request limits, which the tenant's
	// spec.rateLimit overrides.
	RateLimit v1alpha1.RateLimit
}

// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimtenants,verbs=list;watch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimtenants/status,verbs=patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=scim.provisioning.io,namespace=system,resources=scimtokenverifiers,verbs=list;watch;create;update;delete

// Reconcile brings one tenant's token and status up to date.
func (r *ScimTenantReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	tenant := &v1alpha1.ScimTenant{}
	if err := r.Get(ctx, req.NamespacedName, tenant); err != nil {
		if apierrors.IsNotFound(err) {
			metrics.ForgetTenantConditions(req.String())
			return ctrl.Result{}, r.withdrawVerifier(ctx, req.Namespace, req.Name)
		}
		return ctrl.Result{}, fmt.Errorf("get tenant %s: %w", req.NamespacedName, err)
	}
	if !tenant.DeletionTimestamp.IsZero() {
		// The generated token Secret is owned by the tenant and goes with
		// it; from now on no token of the tenant is accepted.
		metrics.ForgetTenantConditions(req.String())
		return ctrl.Result{}, r.withdrawVerifier(ctx, tenant.Namespace, tenant.Name)
	}
	return r.reconcileNormal(ctx, tenant)
}

func (r *ScimTenantReconciler) reconcileNormal(ctx context.Context, tenant *v1alpha1.ScimTenant) (ctrl.Result, error) {
	before := tenant.DeepCopy()

	tokenReady, secret, err := r.reconcileToken(ctx, tenant)
	if err != nil {
		return ctrl.Result{}, err
	}
	result, err := r.publishVerifier(ctx, tenant, tokenReady, secret)
	if err != nil {
		return ctrl.Result{}, err
	}
	tokenReady.Type = v1alpha1.ConditionTokenReady
	tokenReady.ObservedGeneration = tenant.Generation
	meta.SetStatusCondition(&tenant.Status.Conditions, tokenReady)

	tenant.Status.Endpoint = tenant.EndpointURL(r.SCIMBaseURL)
	endpointReady := endpointCondition(tenant)
	meta.SetStatusCondition(&tenant.Status.Conditions, endpointReady)
	limits := tenant.EffectiveLimits(r.RateLimit)
	tenant.Status.Limits = &limits
	meta.SetStatusCondition(&tenant.Status.Conditions, readyCondition(tenant, tokenReady, endpointReady))
	tenant.Status.ObservedGeneration = tenant.Generation
	// Set on every reconcile, not only when status changes: a new leader
	// starts with no series.
	metrics.SetTenantConditions(client.ObjectKeyFromObject(tenant).String(), tenant.Status.Conditions)

	if equality.Semantic.DeepEqual(before.Status, tenant.Status) {
		return result, nil
	}
	// A merge patch sends only the fields that differ from before; if
	// before came from a stale cache, fields that look unchanged would keep
	// the API server's values. The optimistic lock turns that into a
	// conflict, and the reconcile runs again on the newer tenant.
	err = r.Status().Patch(ctx, tenant, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsConflict(err) {
		// The cache lags the tenant; status changes do not pass the
		// tenant watch's predicate, so no event would bring it back.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("patch status of tenant %s/%s: %w", tenant.Namespace, tenant.Name, err)
	}
	return result, nil
}

// publishVerifier writes, into the operator's namespace, the digests the
// SCIM server checks the tenant's tokens against: the token's, and the
// previous token's until its grace period ends. A tenant without a usable
// token has none, so every request is refused.
//
// The verifier is also where rotation is noticed: a token whose digest
// differs from the published one replaced it. Keeping that bookkeeping in
// a verifier the operator owns, and not in the token Secret, leaves the
// token Secret to whoever manages it (sealed-secrets, External Secrets,
// SOPS): the operator never writes into it, and a tool that rewrites it
// whole loses nothing of the grace period.
func (r *ScimTenantReconciler) publishVerifier(ctx context.Context, tenant *v1alpha1.ScimTenant, tokenReady metav1.Condition, secret *corev1.Secret) (ctrl.Result, error) {
	tenant.Status.PreviousTokenExpiresAt = nil
	tenantKey := tenant.Namespace + "/" + tenant.Name
	if tokenReady.Status != metav1.ConditionTrue {
		tenant.Status.TokenObservedAt = nil
		metrics.TokenObserved.DeleteLabelValues(tenantKey)
		return ctrl.Result{}, r.withdrawVerifier(ctx, tenant.Namespace, tenant.Name)
	}
	key := types.NamespacedName{Namespace: r.Namespace, Name: v1alpha1.VerifierName(tenant.Namespace, tenant.Name)}
	verifier := &v1alpha1.ScimTokenVerifier{}
	// The cache holds the verifiers; one published meanwhile makes the
	// create fail, and one the cache shows stale makes the update
	// conflict: either way the reconcile runs again on what is there.
	err := r.Get(ctx, key, verifier)
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("get token verifier %s: %w", key, err)
	}
	exists := err == nil
	var published *v1alpha1.ScimTokenVerifierSpec
	if exists {
		published = &verifier.Spec
	}
	now := r.Clock.Now()
	next := v1alpha1.NextVerifier(published, tenantKey, secret.Data[tenant.TokenKey()], now, tenant.TokenRotationGracePeriod())
	switch {
	case !exists:
		verifier = &v1alpha1.ScimTokenVerifier{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Spec: next.Spec}
		if err := r.Create(ctx, verifier); err != nil {
			return ctrl.Result{}, fmt.Errorf("publish token verifier %s: %w", key, err)
		}
	case !equality.Semantic.DeepEqual(verifier.Spec, next.Spec):
		verifier.Spec = next.Spec
		if err := r.Update(ctx, verifier); err != nil {
			return ctrl.Result{}, fmt.Errorf("update token verifier %s: %w", key, err)
		}
	}
	if next.Rotated {
		r.Recorder.Eventf(tenant, nil, corev1.EventTypeNormal, EventTokenRotated, "RotateToken",
			"the token in Secret %s changed; the previous one is accepted for %s more", secret.Name, tenant.TokenRotationGracePeriod())
	}
	since := next.Spec.CurrentSince
	tenant.Status.TokenObservedAt = &since
	metrics.TokenObserved.WithLabelValues(tenantKey).Set(float64(since.Unix()))
	if next.Spec.PreviousExpiresAt == nil {
		return ctrl.Result{}, nil
	}
	at := *next.Spec.PreviousExpiresAt
	tenant.Status.PreviousTokenExpiresAt = &at
	return ctrl.Result{RequeueAfter: at.Sub(now)}, nil
}

// withdrawVerifier removes a tenant's verifier: its tokens stop working.
// Every reconcile of a tenant without a usable token comes here, so the
// cache answers first and only a verifier that exists is deleted; one the
// cache has not seen yet brings its own event, and the reconcile returns.
func (r *ScimTenantReconciler) withdrawVerifier(ctx context.Context, namespace, tenant string) error {
	verifier := &v1alpha1.ScimTokenVerifier{}
	key := types.NamespacedName{Namespace: r.Namespace, Name: v1alpha1.VerifierName(namespace, tenant)}
	err := r.Get(ctx, key, verifier)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get token verifier of tenant %s/%s: %w", namespace, tenant, err)
	}
	if err := r.Delete(ctx, verifier); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("withdraw token verifier of tenant %s/%s: %w", namespace, tenant, err)
	}
	return nil
}

// endpointCondition reports whether identity providers can be given the
// tenant's endpoint: a path without a host is no URL.
func endpointCondition(tenant *v1alpha1.ScimTenant) metav1.Condition {
	c := metav1.Condition{
		Type:               v1alpha1.ConditionEndpointReady,
		Status:             metav1.ConditionTrue,
		Reason:             v1alpha1.ReasonEndpointResolved,
		Message:            "identity providers reach the tenant at " + tenant.Status.Endpoint,
		ObservedGeneration: tenant.Generation,
	}
	if u, err := url.Parse(tenant.Status.Endpoint); err != nil || u.Host == "" {
		c.Status = metav1.ConditionFalse
		c.Reason = v1alpha1.ReasonNoBaseURL
		c.Message = "the endpoint " + tenant.Status.Endpoint + " has no host: set the operator's --scim-base-url (the chart's scim.baseURL) or the tenant's spec.publicBaseURL"
	}
	return c
}

func readyCondition(tenant *v1alpha1.ScimTenant, tokenReady, endpointReady metav1.Condition) metav1.Condition {
	c := metav1.Condition{
		Type:               v1alpha1.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             v1alpha1.ReasonTenantReady,
		Message:            "SCIM endpoint " + tenant.Status.Endpoint + " accepts the token in Secret " + tenant.Spec.TokenSecretRef.Name,
		ObservedGeneration: tenant.Generation,
	}
	switch {
	case tokenReady.Status != metav1.ConditionTrue:
		c.Status = metav1.ConditionFalse
		c.Reason = v1alpha1.ReasonTokenNotReady
		c.Message = tokenReady.Message
	case endpointReady.Status != metav1.ConditionTrue:
		c.Status = metav1.ConditionFalse
		c.Reason = endpointReady.Reason
		c.Message = endpointReady.Message
	}
	return c
}

// reconcileToken makes sure the tenant's token Secret exists and holds a
// usable token, and reports on it with the Secret as it left it. It
// creates the Secret (labelled, so the SCIM server's cache sees it) when
// there is none, and uses a Secret someone else created only when it
// carries the token label.
func (r *ScimTenantReconciler) reconcileToken(ctx context.Context, tenant *v1alpha1.ScimTenant) (metav1.Condition, *corev1.Secret, error) {
	key := types.NamespacedName{Namespace: tenant.Namespace, Name: tenant.Spec.TokenSecretRef.Name}
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, secret); err != nil {
		if !apierrors.IsNotFound(err) {
			return metav1.Condition{}, nil, fmt.Errorf("get token secret %s: %w", key, err)
		}
		if !tenant.GeneratesToken() {
			return metav1.Condition{
				Status: metav1.ConditionFalse,
				Reason: v1alpha1.ReasonTokenSecretMissing,
				Message: fmt.Sprintf("waiting for Secret %s, which is not generated because tokenSecretRef.generate is false: create it with the token under key %q and the label %s=true",
					key.Name, tenant.TokenKey(), v1alpha1.LabelTokenSecret),
			}, nil, nil
		}
		return r.createTokenSecret(ctx, tenant, key)
	}
	if !metav1.IsControlledBy(secret, tenant) && secret.Labels[v1alpha1.LabelTokenSecret] != "true" {
		// Nothing is read from, said about or written into a Secret that
		// was not offered as a token.
		return metav1.Condition{
			Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonTokenSecretNotOptedIn,
			Message: fmt.Sprintf("Secret %s is not used until it is labelled %s=true, to say it holds a SCIM token",
				key.Name, v1alpha1.LabelTokenSecret),
		}, nil, nil
	}
	if err := r.ensureTokenLabel(ctx, secret); err != nil {
		return metav1.Condition{}, nil, err
	}

	tokenKey := tenant.TokenKey()
	token := v1alpha1.BearerToken(secret.Data[tokenKey])
	switch {
	case len(token) == 0 && metav1.IsControlledBy(secret, tenant):
		return r.fillTokenSecret(ctx, tenant, secret)
	case len(token) == 0:
		return metav1.Condition{
			Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonTokenKeyMissing,
			Message: fmt.Sprintf("Secret %s has no key %q: put the bearer token under that key, or delete the Secret to have a token generated",
				key.Name, tokenKey),
		}, secret, nil
	case len(token) < v1alpha1.MinTokenLength:
		return metav1.Condition{
			Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonTokenTooShort,
			Message: fmt.Sprintf("the token in Secret %s key %q is shorter than the %d characters required",
				key.Name, tokenKey, v1alpha1.MinTokenLength),
		}, secret, nil
	}
	if metav1.IsControlledBy(secret, tenant) {
		// The reason stays the same on every later reconcile, so that the
		// condition says where the token came from.
		return metav1.Condition{
			Status:  metav1.ConditionTrue,
			Reason:  v1alpha1.ReasonTokenGenerated,
			Message: fmt.Sprintf("Secret %s key %q holds the bearer token the operator generated", key.Name, tokenKey),
		}, secret, nil
	}
	return metav1.Condition{
		Status:  metav1.ConditionTrue,
		Reason:  v1alpha1.ReasonTokenFound,
		Message: fmt.Sprintf("Secret %s key %q holds the bearer token", key.Name, tokenKey),
	}, secret, nil
}

func (r *ScimTenantReconciler) createTokenSecret(ctx context.Context, tenant *v1alpha1.ScimTenant, key types.NamespacedName) (metav1.Condition, *corev1.Secret, error) {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: key.Namespace,
			Name:      key.Name,
			Labels:    map[string]string{v1alpha1.LabelTokenSecret: "true"},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{tenant.TokenKey(): v1alpha1.GenerateToken()},
	}
	if err := controllerutil.SetControllerReference(tenant, secret, r.Scheme()); err != nil {
		return metav1.Condition{}, nil, fmt.Errorf("own token secret %s: %w", key, err)
	}
	if err := r.Create(ctx, secret); err != nil {
		return metav1.Condition{}, nil, fmt.Errorf("create token secret %s: %w", key, err)
	}
	return r.tokenGenerated(tenant, secret), secret, nil
}

func (r *ScimTenantReconciler) fillTokenSecret(ctx context.Context, tenant *v1alpha1.ScimTenant, secret *corev1.Secret) (metav1.Condition, *corev1.Secret, error) {
	before := secret.DeepCopy()
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[tenant.TokenKey()] = v1alpha1.GenerateToken()
	// The optimistic lock keeps a token someone wrote meanwhile from being
	// overwritten.
	if err := r.Patch(ctx, secret, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return metav1.Condition{}, nil, fmt.Errorf("write token into secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	return r.tokenGenerated(tenant, secret), secret, nil
}

func (r *ScimTenantReconciler) tokenGenerated(tenant *v1alpha1.ScimTenant, secret *corev1.Secret) metav1.Condition {
	r.Recorder.Eventf(tenant, nil, corev1.EventTypeNormal, EventTokenGenerated, "GenerateToken",
		"generated a bearer token into Secret %s key %q", secret.Name, tenant.TokenKey())
	return metav1.Condition{
		Status:  metav1.ConditionTrue,
		Reason:  v1alpha1.ReasonTokenGenerated,
		Message: fmt.Sprintf("generated a bearer token into Secret %s key %q", secret.Name, tenant.TokenKey()),
	}
}

func (r *ScimTenantReconciler) ensureTokenLabel(ctx context.Context, secret *corev1.Secret) error {
	if secret.Labels[v1alpha1.LabelTokenSecret] == "true" {
		return nil
	}
	before := secret.DeepCopy()
	if secret.Labels == nil {
		secret.Labels = map[string]string{}
	}
	secret.Labels[v1alpha1.LabelTokenSecret] = "true"
	if err := r.Patch(ctx, secret, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("label token secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	return nil
}

// tenantsForSecret maps a token Secret to the tenants that reference it.
func (r *ScimTenantReconciler) tenantsForSecret(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, r, &v1alpha1.ScimTenantList{}, o.GetNamespace(), client.MatchingFields{index.TenantTokenSecret: o.GetName()})
}

// tenantOfVerifier maps a verifier to its tenant: one changed or deleted
// by anyone but the controller is put right.
func tenantOfVerifier(_ context.Context, o client.Object) []reconcile.Request {
	v, ok := o.(*v1alpha1.ScimTokenVerifier)
	if !ok {
		return nil
	}
	ns, name, ok := strings.Cut(v.Spec.Tenant, "/")
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}}
}

// requestsFor lists objects of a namespace by a field index, to reconcile
// each: how a change to one object reaches those that refer to it.
func requestsFor(ctx context.Context, c client.Reader, list client.ObjectList, namespace string, fields client.MatchingFields) []reconcile.Request {
	if err := c.List(ctx, list, client.InNamespace(namespace), fields); err != nil {
		logf.FromContext(ctx).Error(err, "list objects to reconcile", "namespace", namespace, "fields", fields)
		return nil
	}
	var reqs []reconcile.Request
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		if obj, ok := o.(client.Object); ok {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
		}
		return nil
	})
	return reqs
}

// SetupWithManager registers the controller.
func (r *ScimTenantReconciler) SetupWithManager(mgr ctrl.Manager) error {
	err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.ScimTenant{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// The cache holds only labelled Secrets, so this sees token Secrets
		// and nothing else.
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.tenantsForSecret)).
		Watches(&v1alpha1.ScimTokenVerifier{}, handler.EnqueueRequestsFromMapFunc(tenantOfVerifier)).
		Named("scimtenant").
		Complete(r)
	if err != nil {
		return fmt.Errorf("build tenant controller: %w", err)
	}
	return nil
}
