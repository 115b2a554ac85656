// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package suite sets up the envtest Ginkgo suites: one control plane per
// suite, a fake clock the specs move, and operators started the way the
// deployment starts them.
package suite

import (
	"cmp"
	"context"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/config"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/testenv"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// Suite is a running control plane and the clock of the operators the
// suite starts.
type Suite struct {
	*testenv.Env
	// Ctx lasts as long as the suite.
	Ctx context.Context
	// Clock is every operator's time. It stands still unless a spec moves
	// it, so times the operators stamp are known exactly, and nothing
	// falls due while a spec runs unless the spec says so.
	Clock *clocktesting.FakeClock
}

// Start starts the control plane; call it from BeforeSuite. It stops with
// the suite.
func Start(opts ...testenv.Option) *Suite {
	logf.SetLogger(zap.New(zap.WriteTo(ginkgo.GinkgoWriter), zap.UseDevMode(true)))
	// Two cores run the control plane, the operators and the specs.
	gomega.SetDefaultEventuallyTimeout(10 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	env, err := testenv.Start(opts...)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	ginkgo.DeferCleanup(func() {
		cancel()
		gomega.Expect(env.Stop()).To(gomega.Succeed())
	})
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: OperatorNamespace}}
	gomega.Expect(env.Client.Create(ctx, ns)).To(gomega.Succeed())
	return &Suite{Env: env, Ctx: ctx, Clock: clocktesting.NewFakeClock(time.Now())}
}

// OperatorNamespace is where the suites' operators keep token verifiers.
const OperatorNamespace = "scim-operator-system"

// Operator is one running operator.
type Operator struct {
	Manager manager.Manager
	// Server is the operator's SCIM server, serving once Start returns;
	// nil when its role runs none.
	Server *scimwebhook.Server
	// Stop stops the operator, as a restart or a lost leadership would,
	// and waits until it has.
	Stop func()
}

// StartOperator runs an operator with opts against the control plane, on
// the suite's clock unless opts has one, with probes off, metrics off
// unless opts asks for them, and
// the SCIM server on a free loopback port.
func (s *Suite) StartOperator(opts operator.Options) *Operator {
	return s.StartOperatorAs(s.Config, opts)
}

// StartOperatorAs is StartOperator with the API server credentials of
// cfg, to run an operator with no more than given roles grant.
func (s *Suite) StartOperatorAs(cfg *rest.Config, opts operator.Options) *Operator {
	opts.ProbeAddr, opts.Namespace = "0", OperatorNamespace
	if opts.MetricsAddr == "" {
		opts.MetricsAddr = "0"
	}
	if opts.Clock == nil {
		opts.Clock = s.Clock
	}
	// Several operators in one process register the same controllers.
	opts.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	opts.SCIM.Addr = "127.0.0.1:0"
	// A stop is a kill unless the spec says otherwise: specs stop
	// operators often, and only the drain spec waits for endpoints.
	opts.SCIM.DrainDelay = cmp.Or(opts.SCIM.DrainDelay, time.Nanosecond)
	ctx, cancel := context.WithCancel(s.Ctx)
	mgr, srv, err := operator.New(ctx, cfg, opts)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	done := make(chan struct{})
	go func() {
		defer ginkgo.GinkgoRecover()
		defer close(done)
		gomega.Expect(mgr.Start(ctx)).To(gomega.Succeed())
	}()
	if srv != nil {
		gomega.Eventually(srv.Addr).WithTimeout(30 * time.Second).ShouldNot(gomega.BeEmpty())
	}
	return &Operator{Manager: mgr, Server: srv, Stop: func() { cancel(); <-done }}
}
