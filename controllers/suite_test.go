// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/controllers"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/internal/testenv"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

const testBaseURL = "https://scim.test.example"

var (
	env       *suite.Suite
	k8sClient client.Client
	ctx       context.Context
	// running is the operator whose reconcilers the specs watch.
	running *suite.Operator
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers Suite")
}

// auditLog is where the API server records every request, for the
// spec that checks the generated roles grant nothing unused.
var auditLog string

var _ = BeforeSuite(func() {
	dir, err := os.MkdirTemp("", "scim-audit-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	auditLog = filepath.Join(dir, "audit.log")
	env = suite.Start(testenv.WithAuditLog(auditLog))
	k8sClient, ctx = env.Client, env.Ctx
	startManager()
	DeferCleanup(func() { running.Stop() })
})

// trail is the reconcilers' audit trail, and any other process's a spec
// starts, as a log collector would gather them.
var trail = &stream{}

// startManager runs the reconcilers alone, as the controllers role does.
func startManager() {
	running = env.StartOperator(operator.Options{
		Role:  operator.RoleControllers,
		Audit: audit.New(trail),
		SCIM:  scimwebhook.Options{BaseURL: testBaseURL},
	})
}

// stopManager stops the reconcilers, as an operator restart or a leader
// change would.
func stopManager() { running.Stop() }

// reconcilersAt are reconcilers on the running manager's clients whose
// clock reads at: the timing rules are checked by calling them directly,
// never by waiting.
func reconcilersAt(at time.Time) controllers.Reconcilers {
	return controllers.NewReconcilers(running.Manager, controllers.Options{SCIMBaseURL: testBaseURL, Clock: clocktesting.NewFakeClock(at), Namespace: suite.OperatorNamespace})
}

// reconcile runs r once for the object key names and returns its result.
func reconcile(r interface {
	Reconcile(context.Context, ctrl.Request) (ctrl.Result, error)
}, key types.NamespacedName) ctrl.Result {
	res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return res
}

// newNamespace gives each test a namespace of its own.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}
