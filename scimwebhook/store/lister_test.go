// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
)

// listerModel drives a lister as an informer would, over a store filled
// by hand, and knows what every list must answer.
type listerModel struct {
	t       *testing.T
	r       *rand.Rand
	store   toolscache.Indexer
	events  toolscache.ResourceEventHandler
	l       *tenantLister[*v1alpha1.ScimUser]
	names   int
	version int
}

var title = filter.Field[*v1alpha1.ScimUser]{Strings: func(u *v1alpha1.ScimUser, match func(string) bool) bool {
	return u.Spec.Title != "" && match(u.Spec.Title)
}}

func newListerModel(t *testing.T, seed uint64) *listerModel {
	store := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, index.Indexers(&v1alpha1.ScimUser{}))
	l := listerOf(store, users)
	return &listerModel{t: t, r: rand.New(rand.NewPCG(seed, 7)), store: store, events: l.handler(), l: l}
}

func (m *listerModel) user(name, tenant string) *v1alpha1.ScimUser {
	m.version++
	// Creation times fall on a few seconds, so that many identities share
	// one and the order falls back to names.
	at := metav1.NewTime(time.Unix(1_700_000_000+int64(m.names/8), 0))
	return &v1alpha1.ScimUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, CreationTimestamp: at, ResourceVersion: fmt.Sprint(m.version)},
		Spec: v1alpha1.ScimUserSpec{TenantRef: v1alpha1.TenantReference{Name: tenant}, ManagedBy: v1alpha1.ManagedBySCIM,
			UserName: name, Title: fmt.Sprint("title ", m.r.IntN(5))},
	}
}

func (m *listerModel) all() []*v1alpha1.ScimUser {
	var out []*v1alpha1.ScimUser
	for _, o := range m.store.List() {
		out = append(out, o.(*v1alpha1.ScimUser))
	}
	return out
}

// step makes one change, as an identity provider or a person would.
func (m *listerModel) step() {
	keys := m.store.ListKeys()
	pick := func() *v1alpha1.ScimUser {
		u, _, _ := m.store.GetByKey(keys[m.r.IntN(len(keys))])
		return u.(*v1alpha1.ScimUser)
	}
	change := func(edit func(u *v1alpha1.ScimUser)) {
		old := pick()
		cur := old.DeepCopy()
		edit(cur)
		m.version++
		cur.ResourceVersion = fmt.Sprint(m.version)
		if err := m.store.Update(cur); err != nil {
			m.t.Fatal(err)
		}
		m.events.OnUpdate(old, cur)
	}
	switch n := m.r.IntN(20); {
	case len(keys) < 10 || n < 6:
		m.names++
		tenant := "t"
		if n == 0 {
			tenant = "other"
		}
		u := m.user(fmt.Sprintf("u%05d", m.r.IntN(4*m.names)), tenant)
		if _, exists, _ := m.store.Get(u); exists {
			return
		}
		if err := m.store.Add(u); err != nil {
			m.t.Fatal(err)
		}
		m.events.OnAdd(u, false)
	case n < 9:
		u := pick()
		if err := m.store.Delete(u); err != nil {
			m.t.Fatal(err)
		}
		if n == 8 {
			m.events.OnDelete(toolscache.DeletedFinalStateUnknown{Key: cacheKey(u), Obj: u})
		} else {
			m.events.OnDelete(u)
		}
	case n < 16:
		change(func(u *v1alpha1.ScimUser) { u.Spec.Title = fmt.Sprint("title ", m.r.IntN(5)) })
	case n < 18:
		change(func(u *v1alpha1.ScimUser) {
			if u.Spec.ManagedBy == v1alpha1.ManagedBySCIM {
				u.Spec.ManagedBy = v1alpha1.ManagedByManual
			} else {
				u.Spec.ManagedBy = v1alpha1.ManagedBySCIM
			}
		})
	default:
		// A resync changes nothing.
		u := pick()
		m.events.OnUpdate(u, u)
	}
}

// check lists the tenant and compares the order, and its title column,
// with what the store holds.
func (m *listerModel) check(when string) {
	var want []*v1alpha1.ScimUser
	for _, u := range m.all() {
		if u.Spec.TenantRef.Name == "t" && m.l.visible(u) {
			want = append(want, u)
		}
	}
	SortByCreation(want)
	o, changed, err := m.l.sortedWithChanges("ns", "t")
	if err != nil {
		m.t.Fatal(err)
	}
	names := func(us []*v1alpha1.ScimUser) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.Name
		}
		return out
	}
	if got, want := names(o.objs), names(want); !slices.Equal(got, want) {
		m.t.Fatalf("%s: the order lists %d users, the store %d\n got %v\nwant %v", when, len(got), len(want), got, want)
	}
	col, ok := o.column("title", title)
	if !ok {
		m.t.Fatalf("%s: no title column", when)
	}
	for i, u := range want {
		if slices.Contains(changed, cacheKey(u)) {
			// Read from the cache by a filter.
			continue
		}
		if o.objs[i] != u {
			m.t.Fatalf("%s: row %d (%s) holds an object the store no longer has, and is not listed as changed", when, i, u.Name)
		}
		var got string
		col.Field().Strings(i, func(s string) bool { got = s; return true })
		if got != u.Spec.Title {
			m.t.Fatalf("%s: row %d (%s) has title %q in its column, %q in the store", when, i, u.Name, got, u.Spec.Title)
		}
	}
}

// Lists between bursts of changes of every kind answer what a fresh sort
// of the store would, with columns that match it, whether the order was
// spliced, sorted again, or kept with changes read from the cache.
func TestListerKeepsTheOrderOfTheStore(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			m := newListerModel(t, seed)
			for range 200 {
				m.step()
			}
			for round := range 400 {
				burst := m.r.IntN(20)
				switch round % 50 {
				case 17:
					// Past what the lister tracks one by one.
					burst = 3 * minTracked
				case 33:
					burst = 0
				}
				for range burst {
					m.step()
				}
				m.check(fmt.Sprintf("round %d, after %d changes", round, burst))
			}
		})
	}
}

// Lists while changes come, as the server's handlers list while the
// informer delivers events, end with the order of the store.
func TestListerListsWhileChangesCome(t *testing.T) {
	m := newListerModel(t, 9)
	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				o, _, err := m.l.sortedWithChanges("ns", "t")
				if err != nil {
					t.Error(err)
					return
				}
				if _, ok := o.column("title", title); !ok {
					t.Error("no title column")
					return
				}
			}
		})
	}
	for range 5000 {
		m.step()
	}
	close(done)
	readers.Wait()
	m.check("after the changes")
}

func TestScanStopsWhenItsTimeIsUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewScan(ctx).Stopped(); !errors.Is(err, context.Canceled) {
		t.Fatalf("the first identity of a scan whose time is up: %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	s := NewScan(ctx)
	for i := 1; i <= 300; i++ {
		if i == 200 {
			cancel()
		}
		err := s.Stopped()
		if (err != nil) != (i == 257) {
			t.Fatalf("identity %d: %v; a scan looks at its time on the first identity and every 256th after", i, err)
		}
		if err != nil {
			break
		}
	}
}

func TestScanGivesWayWhileOthersAreInFlight(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ctx       context.Context
		wantRests bool
	}{
		{"no one to give way to", context.Background(), false},
		{"nothing else in flight", GiveWay(context.Background(), func() bool { return false }), false},
		{"another request in flight", GiveWay(context.Background(), func() bool { return true }), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewScan(tc.ctx)
			var rests []time.Duration
			s.rest = func(d time.Duration) { rests = append(rests, d) }
			// Each identity costs 50 µs, so every 16th is past a slice.
			for range 64 {
				if err := s.Stopped(); err != nil {
					t.Fatal(err)
				}
				spin(50 * time.Microsecond)
			}
			if tc.wantRests && len(rests) != 64/16 {
				t.Fatalf("rested %d times over 64 identities of 50 µs, want every 16th: %v", len(rests), rests)
			}
			if !tc.wantRests && len(rests) > 0 {
				t.Fatalf("rested %v with no request to give way to", rests)
			}
			for _, d := range rests {
				if d != scanRest {
					t.Fatalf("rested %s, want %s", d, scanRest)
				}
			}
		})
	}
}

// spin keeps the processor for d, as the evaluation of a long filter does.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
		runtime.Gosched()
	}
}
