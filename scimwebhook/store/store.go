// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package store keeps the SCIM server's identities in the Kubernetes API:
// users and groups as ScimUsers and ScimGroups, their unique values as
// ScimClaims, group members in ScimGroupMemberSlices. It reads from the
// manager's cache, falls back to the API server for what another replica
// just wrote, writes with optimistic concurrency, and waits for its own
// writes to reach the cache. It knows nothing of HTTP: it takes a context
// and plain values, and fails with an *Error whose Reason says what the
// caller can do about it.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/scim-operator/scim-operator/internal/claims"
	"github.com/scim-operator/scim-operator/internal/metrics"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// maxUpdateAttempts bounds the optimistic-concurrency retries of one
// write. With backoffAfterConflict between them they span about ten
// seconds: enough for a burst of dozens of writes to one object, as an
// identity provider sends them, to all get through.
const maxUpdateAttempts = 40

// cacheWaitTimeout bounds how long a write waits for the cache to see it.
const cacheWaitTimeout = 2 * time.Second

// Store reads and writes a tenant's identities.
type Store struct {
	// client reads from the manager's cache and writes to the API server.
	client client.Client
	// apiReader reads from the API server itself, for what the cache may
	// not have seen yet (another replica's writes).
	apiReader client.Reader
	cache     cache.Cache
	clock     clock.PassiveClock
	log       logr.Logger
	claims    claims.Claims

	Users  Identities[*v1alpha1.ScimUser]
	Groups Identities[*v1alpha1.ScimGroup]
}

// New builds a store that reads through c, which is expected to be backed
// by the cache ca, and reads what the cache may lack through apiReader.
func New(c client.Client, apiReader client.Reader, ca cache.Cache, clk clock.PassiveClock, log logr.Logger) *Store {
	s := &Store{client: c, apiReader: apiReader, cache: ca, clock: clk, log: log, claims: claims.Claims{Client: c, Reader: apiReader}}
	s.Users = Identities[*v1alpha1.ScimUser]{s: s, k: users}
	s.Groups = Identities[*v1alpha1.ScimGroup]{s: s, k: groups}
	return s
}

// Start starts the informers the store reads from and waits for them to
// sync, so that a replica answers from a complete cache.
func (s *Store) Start(ctx context.Context) error {
	if _, err := s.cache.GetInformer(ctx, &v1alpha1.ScimGroupMemberSlice{}); err != nil {
		return fmt.Errorf("start informer for member slices: %w", err)
	}
	var err error
	if s.Users.lister, err = newTenantLister(ctx, s.cache, users); err != nil {
		return err
	}
	if s.Groups.lister, err = newTenantLister(ctx, s.cache, groups); err != nil {
		return err
	}
	if !s.cache.WaitForCacheSync(ctx) {
		return errors.New("cache did not sync")
	}
	return nil
}

// Now is the store's time, the one it stamps writes with.
func (s *Store) Now() time.Time { return s.clock.Now() }

// awaitCache waits until this replica's cache has seen a write (or, with
// deleted, a delete), so that the client's next read through this replica
// sees its own write. Resource versions are compared as numbers, as etcd
// issues them. A cache that lags longer only delays the response: the
// write is done, so the request goes on, and the lag is counted and
// logged, since a read through this replica may then miss the write.
func (s *Store) awaitCache(ctx context.Context, obj client.Object, deleted bool) {
	want, err := strconv.ParseUint(obj.GetResourceVersion(), 10, 64)
	if err != nil && !deleted {
		return
	}
	key := client.ObjectKeyFromObject(obj)
	err = wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, cacheWaitTimeout, true, func(ctx context.Context) (bool, error) {
		cur := obj.DeepCopyObject().(client.Object)
		err := s.client.Get(ctx, key, cur)
		if deleted || apierrors.IsNotFound(err) {
			return deleted && apierrors.IsNotFound(err), nil
		}
		got, _ := strconv.ParseUint(cur.GetResourceVersion(), 10, 64)
		return err == nil && got >= want, nil
	})
	if err != nil && ctx.Err() == nil {
		metrics.CacheWaitTimeouts.Inc()
		s.log.Info("this replica's cache has not seen a write yet; answering without waiting longer",
			"object", key.String(), "resourceVersion", obj.GetResourceVersion(), "deleted", deleted, "waited", cacheWaitTimeout.String())
	}
}

// backoffAfterConflict waits before the next attempt of a write that lost
// an optimistic-concurrency race: a random time up to a bound that grows
// with the attempt, so that writers racing for one object spread out
// instead of colliding again at once.
func backoffAfterConflict(ctx context.Context, attempt int) error {
	bound := min(5*time.Millisecond<<min(attempt, 6), 250*time.Millisecond)
	t := time.NewTimer(rand.N(bound) + time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return &Error{Reason: Unavailable, RetryAfter: time.Second, Detail: "the request ended while waiting to retry a conflicting write; nothing was changed, retry", cause: ctx.Err()}
	case <-t.C:
		return nil
	}
}

// touch records the time of a change the identity provider made.
func (s *Store) touch(obj client.Object) {
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[v1alpha1.AnnotationLastModified] = s.clock.Now().UTC().Format(time.RFC3339)
	obj.SetAnnotations(ann)
}
