// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

//go:build e2e

package e2e

import (
	"context"
	"errors"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
)

// endpoints stands in for a Service: it forwards each request to one of
// the pods whose readiness probe passed when it last asked, as the
// endpoints controller and kube-proxy do, and asks every probeEvery.
type endpoints struct {
	*httptest.Server
	mu    sync.Mutex
	ready []*pod
	next  atomic.Uint64
	stop  context.CancelFunc
	done  chan struct{}
}

func newEndpoints(pods []*pod, port string, probeEvery time.Duration) *endpoints {
	ctx, cancel := context.WithCancel(context.Background())
	e := &endpoints{stop: cancel, done: make(chan struct{})}
	e.refresh(ctx, pods)
	go func() {
		defer close(e.done)
		t := time.NewTicker(probeEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				e.refresh(ctx, pods)
			}
		}
	}()
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: "endpoints"})
			r.Out.Host = r.In.Host
		},
		Transport: &toReadyPod{endpoints: e, port: port, next: &http.Transport{MaxIdleConnsPerHost: 16}},
		ErrorLog:  log.New(GinkgoWriter, "endpoints: ", log.LstdFlags),
	}
	e.Server = httptest.NewServer(proxy)
	return e
}

func (e *endpoints) refresh(ctx context.Context, pods []*pod) {
	var ready []*pod
	for _, p := range pods {
		probeCtx, cancel := context.WithTimeout(ctx, time.Second)
		if p.ready(probeCtx) {
			ready = append(ready, p)
		}
		cancel()
	}
	e.mu.Lock()
	e.ready = ready
	e.mu.Unlock()
}

// toReadyPod sends each request to the next ready pod.
type toReadyPod struct {
	endpoints *endpoints
	port      string
	next      http.RoundTripper
}

func (t *toReadyPod) RoundTrip(req *http.Request) (*http.Response, error) {
	p := t.endpoints.pick()
	if p == nil {
		return nil, errors.New("the Service has no ready endpoint")
	}
	req.URL.Host = p.addr(t.port)
	return t.next.RoundTrip(req)
}

// pick is the next ready pod, round robin, or nil when none is ready.
func (e *endpoints) pick() *pod {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.ready) == 0 {
		return nil
	}
	return e.ready[e.next.Add(1)%uint64(len(e.ready))]
}

func (e *endpoints) Close() {
	e.stop()
	<-e.done
	e.Server.Close()
}
