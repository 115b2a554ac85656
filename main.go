// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Command manager runs the scim-operator: the tenant, user and group
// reconcilers and the SCIM 2.0 server identity providers provision through.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/version"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

func main() {
	var opts operator.Options
	role := string(operator.RoleAll)
	flag.StringVar(&role, "role", role, fmt.Sprintf("What this process runs, one of %v: the reconcilers and the SCIM server, or either alone.", operator.Roles))
	flag.StringVar(&opts.MetricsAddr, "metrics-bind-address", ":8443", "Address the Prometheus metrics endpoint binds to; \"0\" disables it.")
	flag.BoolVar(&opts.MetricsSecure, "metrics-secure", true, "Serve metrics over HTTPS to callers the API server authenticates and authorizes for GET /metrics; false serves plain HTTP to anyone.")
	flag.StringVar(&opts.MetricsCertDir, "metrics-cert-dir", "", "Directory with tls.crt and tls.key for the metrics endpoint; empty uses a self-signed certificate.")
	flag.StringVar(&opts.ProbeAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	flag.StringVar(&opts.PprofAddr, "pprof-bind-address", "", "Address net/http/pprof binds to, for profiling (e.g. 127.0.0.1:6060); empty serves none. Keep it off the network.")
	flag.BoolVar(&opts.LeaderElection, "leader-elect", false, "Elect a leader among replicas for the reconcilers. Every replica serves SCIM either way.")
	flag.StringVar(&opts.Namespace, "namespace", os.Getenv("POD_NAMESPACE"), "The operator's own namespace, where token verifiers are kept (default: $POD_NAMESPACE).")
	var watch string
	flag.StringVar(&watch, "watch-namespaces", "", "Comma-separated namespaces whose tenants the operator serves; empty serves every namespace. With it set, the operator needs Roles in those namespaces, no ClusterRole for namespaced resources.")
	flag.StringVar(&opts.SCIM.Addr, "scim-bind-address", scimwebhook.DefaultAddr, "Address the SCIM server binds to.")
	flag.StringVar(&opts.SCIM.BaseURL, "scim-base-url", "", "Externally reachable base URL of the SCIM server (e.g. https://scim.example.com), for tenants that set no publicBaseURL.")
	flag.Int64Var(&opts.SCIM.MaxPayloadSize, "scim-max-payload-bytes", scimwebhook.DefaultMaxPayloadSize, "Largest SCIM request body accepted, in bytes.")
	flag.IntVar(&opts.SCIM.MaxResults, "scim-max-results", scimwebhook.DefaultMaxResults, "Most resources one SCIM list response returns.")
	flag.Float64Var(&opts.SCIM.TenantRequestsPerSecond, "scim-tenant-rate", scimwebhook.DefaultTenantRate, "Requests a second one tenant may send (a token bucket); more get 429 with Retry-After.")
	flag.IntVar(&opts.SCIM.TenantBurst, "scim-tenant-burst", scimwebhook.DefaultTenantBurst, "Requests one tenant may send at once above its rate.")
	flag.IntVar(&opts.SCIM.TenantConcurrency, "scim-tenant-concurrency", scimwebhook.DefaultTenantInFlight, "Requests of one tenant handled at once; more wait up to 10s, then get 429.")
	flag.Int64Var(&opts.SCIM.DecodeMemory, "scim-decode-memory-bytes", scimwebhook.DefaultDecodeMemory, "Memory all SCIM requests together may spend decoding bodies, across tenants; requests past it wait up to 2s, then get 429.")
	flag.DurationVar(&opts.SCIM.FilterTimeout, "scim-filter-timeout", scimwebhook.DefaultFilterTimeout, "Longest a filter no index answers may take over a tenant's identities; past it the request gets 400 invalidFilter.")
	flag.IntVar(&opts.SCIM.MaxResponseBytes, "scim-max-response-bytes", scimwebhook.DefaultMaxResponseSize, "Most bytes of resources one SCIM list response returns; a page stops before it and says how many resources it holds.")
	flag.StringVar(&opts.SCIM.TLSCertDir, "scim-tls-cert-dir", "", "Directory with tls.crt and tls.key (a mounted cert-manager Secret) to serve SCIM over HTTPS, reloaded when renewed; empty serves plain HTTP for a TLS-terminating ingress.")
	flag.DurationVar(&opts.SCIM.DrainDelay, "scim-drain-delay", scimwebhook.DefaultDrainDelay, "How long a stopping SCIM server keeps serving, unready, while its endpoint leaves Services and ingresses; 0 stops at once. The pod's terminationGracePeriodSeconds must exceed it plus the request timeout.")
	auditLog := flag.String("audit-log", "stdout", "Where the provisioning audit trail is written, one JSON line per change (docs/audit.md): stdout, a file to append to, or off. The process's own log goes to stderr.")
	showVersion := flag.Bool("version", false, "Print the version and exit.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	if *showVersion {
		fmt.Println("manager", version.Get())
		return
	}
	limitHeapToContainer()
	opts.SCIM.DrainDelay = drainDelayOption(opts.SCIM.DrainDelay)
	opts.Role = operator.Role(role)
	for _, ns := range strings.Split(watch, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			opts.WatchNamespaces = append(opts.WatchNamespaces, ns)
		}
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	trail, err := openAudit(*auditLog)
	if err != nil {
		log.Error(err, "unable to open the audit trail")
		os.Exit(1)
	}
	opts.Audit = trail

	ctx := ctrl.SetupSignalHandler()
	mgr, _, err := operator.New(ctx, ctrl.GetConfigOrDie(), opts)
	if err != nil {
		log.Error(err, "unable to set up the operator")
		os.Exit(1)
	}
	v := version.Get()
	log.Info("starting manager", "version", v.Version, "revision", v.Revision, "role", opts.Role)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "manager stopped with an error")
		os.Exit(1)
	}
}

// drainDelayOption is the server option for a --scim-drain-delay: the
// options read zero as the default delay, but on the command line zero
// means what it says, to stop serving at once.
func drainDelayOption(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Nanosecond
	}
	return d
}

// openAudit opens the audit trail --audit-log names. A file is appended
// to and never closed: it is written until the process ends.
func openAudit(to string) (*audit.Trail, error) {
	switch to {
	case "off":
		return nil, nil
	case "stdout", "":
		return audit.New(os.Stdout), nil
	}
	return audit.OpenFile(to) //nolint:wrapcheck // the error names the file
}
