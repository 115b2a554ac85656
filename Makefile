# The release this tree is at: the image tag config/manager sets, which is
# also the chart's appVersion; stamped into every binary beside its VCS
# revision. To release another: set the tag there, make manifests, and
# add its section to CHANGELOG.md.
VERSION ?= $(shell sed -n 's/^ *newTag: *//p' config/manager/kustomization.yaml)
ifndef REVISION
REVISION := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)$(shell [ -z "$$(git status --porcelain 2>/dev/null)" ] || echo -dirty)
endif
export VERSION REVISION

# The image every install path runs, and the tool that builds it: docker
# or podman (hack/podman-env.sh prepares podman where its defaults fail).
IMAGE_REPO ?= $(shell sed -n 's/^ *newName: *//p' config/manager/kustomization.yaml)
IMG ?= $(IMAGE_REPO):$(VERSION)
CONTAINER_TOOL ?= docker
PLATFORMS ?= linux/amd64,linux/arm64
BASE_IMAGE ?=
export BASE_IMAGE

VERSION_PKG = github.com/scim-operator/scim-operator/internal/version
LDFLAGS = -X $(VERSION_PKG).Version=$(VERSION) -X $(VERSION_PKG).Revision=$(REVISION)

# Kubernetes and etcd releases of the control plane the tests and the demo
# run against; hack/envtest-assets.sh builds them from source once.
ENVTEST_K8S_VERSION ?= 1.37.2
ENVTEST_ETCD_VERSION ?= 3.6.16
export ENVTEST_K8S_VERSION ENVTEST_ETCD_VERSION

# Tool versions.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.7.1
GOLANGCI_LINT_VERSION ?= v2.15.0
HELM_VERSION ?= v4.3.2
CRD_REF_DOCS_VERSION ?= v0.2.0

LOCALBIN ?= $(shell pwd)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs-$(CRD_REF_DOCS_VERSION)
KUBECTL ?= kubectl

# Test flags: GO_TEST_FLAGS="-run X" narrows a run.
GO_TEST_FLAGS ?=
GO_TEST_TIMEOUT ?= 30m

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

GEN_PATHS = paths="./..."

.PHONY: manifests
manifests: controller-gen kustomize ## Generate CRDs from api/, one role each for the reconcilers (controllers/) and the SCIM server (scimwebhook/), and the Helm chart and API reference from them.
	$(CONTROLLER_GEN) crd paths="./api/..." output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=controller-role paths="./controllers/..." output:rbac:artifacts:config=config/rbac/controller
	$(CONTROLLER_GEN) rbac:roleName=server-role paths="./scimwebhook/..." output:rbac:artifacts:config=config/rbac/server
	@$(MAKE) --no-print-directory chart api-docs

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" $(GEN_PATHS)

.PHONY: verify-generated
verify-generated: controller-gen ## Fail if generated code or manifests differ from what the markers produce.
	CONTROLLER_GEN="$(CONTROLLER_GEN)" hack/verify-generated.sh

.PHONY: fmt
fmt: ## Run go fmt against code.
	go fmt ./...

.PHONY: verify-fmt
verify-fmt: ## Fail if any Go file is not gofmt-formatted.
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## Run go vet against code.
	go vet ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint.
	$(GOLANGCI_LINT) run

.PHONY: envtest
envtest: ## Build the envtest control plane (kube-apiserver, etcd) once; prints KUBEBUILDER_ASSETS.
	@hack/envtest-assets.sh

.PHONY: verify-license
verify-license: ## Fail if a Go file or shell script lacks the license header of hack/boilerplate.go.txt.
	@hack/verify-license.sh

.PHONY: verify-no-binaries
verify-no-binaries: ## Fail if git tracks an executable over 1 MiB: built binaries belong in bin/.
	@hack/verify-no-binaries.sh

.PHONY: chart
chart: kustomize ## Generate the Helm chart in dist/chart from the kustomize tree.
	go run ./hack/chart -kustomize $(KUSTOMIZE) -out dist/chart

.PHONY: verify-chart
verify-chart: kustomize helm ## Fail if dist/chart differs from what 'make chart' writes, or helm lint finds fault with it, with its defaults, every value set, or a production install's values.
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	go run ./hack/chart -kustomize $(KUSTOMIZE) -out "$$tmp/chart"; \
	if ! diff -r "$$tmp/chart" dist/chart; then echo "dist/chart is out of date: run 'make chart' and commit the result"; exit 1; fi
	$(HELM) lint --strict dist/chart
	$(HELM) lint --strict dist/chart -f hack/chart/testdata/everything.yaml
	$(HELM) lint --strict dist/chart -f test/e2e/testdata/production.yaml

.PHONY: api-docs
api-docs: crd-ref-docs ## Generate docs/api-reference.md from the API types.
	$(CRD_REF_DOCS) --source-path=./api/v1alpha1 --config=hack/api-docs/config.yaml --renderer=markdown --output-path=docs/api-reference.md >/dev/null

.PHONY: verify-api-docs
verify-api-docs: crd-ref-docs ## Fail if docs/api-reference.md differs from what 'make api-docs' writes.
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(CRD_REF_DOCS) --source-path=./api/v1alpha1 --config=hack/api-docs/config.yaml --renderer=markdown --output-path="$$tmp/api-reference.md" >/dev/null; \
	if ! diff -u "$$tmp/api-reference.md" docs/api-reference.md; then echo "docs/api-reference.md is out of date: run 'make api-docs' and commit the result"; exit 1; fi

.PHONY: test
test: verify-fmt vet verify-generated verify-license verify-no-binaries verify-chart verify-api-docs ## Check formatting, vet, generated files, license headers, tracked binaries and the chart, then run every suite on a real API server.
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" KUSTOMIZE="$(KUSTOMIZE)" HELM="$(HELM)" go test ./... -timeout $(GO_TEST_TIMEOUT) $(GO_TEST_FLAGS)

.PHONY: test-faults
test-faults: ## Run the fault suite: steady SCIM load while the API server goes away, replicas and the leader are killed.
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" go test -tags faults ./internal/faults/ -count=1 -timeout 15m -v -ginkgo.v $(GO_TEST_FLAGS) | grep -E 'fault suite:|^(ok|FAIL|---)|\[FAIL|STEP|Ran '

# The image the end-to-end suite builds and runs; a tag of its own, so a
# run never takes an image built from other sources.
E2E_IMG ?= localhost/scim-operator:e2e
.PHONY: test-e2e
test-e2e: kustomize helm ## Build the image with podman and run the end-to-end suite: the chart rendered and applied to a real API server, the image run as its Deployments say.
	eval "$$(hack/podman-env.sh)"; \
	CONTAINER_TOOL="$$CONTAINER_TOOL" hack/image.sh build $(E2E_IMG); \
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" HELM="$(HELM)" E2E_IMG="$(E2E_IMG)" \
	  go test -tags e2e ./test/e2e/ -count=1 -timeout 30m -v -ginkgo.v $(GO_TEST_FLAGS)

BENCH_USERS ?= 100000
.PHONY: bench
bench: ## Measure the operator at BENCH_USERS users against client-go on the same API server (16 to 29 minutes at 100000 on two cores; BENCH_USERS=20000 for a quick run).
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" go run ./cmd/bench -users $(BENCH_USERS) $(BENCH_ARGS)

BENCH_TENANTS ?= 1000
BENCH_TENANT_USERS ?= 100
.PHONY: bench-tenants
bench-tenants: ## Measure BENCH_TENANTS tenants of BENCH_TENANT_USERS users: memory per tenant and user, create to Ready, a rotation of every token, lookups across tenants, server state per tenant.
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" go run ./cmd/bench -tenants $(BENCH_TENANTS) -tenant-users $(BENCH_TENANT_USERS) $(BENCH_ARGS)

##@ Build

.PHONY: build
build: ## Build the manager and every binary under cmd/ into bin/, stamped with VERSION.
	go build -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/manager .
	go build -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/ ./cmd/...
	install -m 0755 cmd/kubectl-scim/kubectl_complete-scim $(LOCALBIN)/

.PHONY: run
run: manifests generate ## Run the manager from your host against the cluster in your kubeconfig.
	go run . --namespace=$${POD_NAMESPACE:-default} $(RUN_ARGS)

.PHONY: demo
demo: | $(LOCALBIN) ## Run the operator on an embedded local control plane and print KUBECONFIG, SCIM_URL and SCIM_TOKEN.
	go build -o $(LOCALBIN)/demo ./cmd/demo
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" exec $(LOCALBIN)/demo

.PHONY: docker-build
docker-build: ## Build the manager image IMG with CONTAINER_TOOL from a static binary; on BASE_IMAGE, else distroless, else scratch where no registry is reachable.
	CONTAINER_TOOL="$(CONTAINER_TOOL)" hack/image.sh build $(IMG)

.PHONY: docker-buildx
docker-buildx: ## Build IMG for PLATFORMS: docker buildx builds and pushes it; podman builds a local manifest list.
	CONTAINER_TOOL="$(CONTAINER_TOOL)" PLATFORMS="$(PLATFORMS)" hack/image.sh buildx $(IMG)

.PHONY: docker-push
docker-push: ## Push the manager image.
	$(CONTAINER_TOOL) push $(IMG)

# kustomize-with-image builds overlay $(1) with the manager image set to
# $(IMG), in a copy of config/, so that no tracked file is rewritten.
define kustomize-with-image
tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
cp -r config "$$tmp/config"; \
(cd "$$tmp/config/manager" && $(KUSTOMIZE) edit set image controller=$(IMG)); \
$(KUSTOMIZE) build "$$tmp/$(1)"
endef

.PHONY: build-installer
build-installer: manifests kustomize ## Write dist/install.yaml (CRDs and everything the operator needs) for IMG; set the base URL in an overlay (config/production) or per tenant.
	mkdir -p dist
	@$(call kustomize-with-image,config/default) > dist/install.yaml

.PHONY: release
release: kustomize helm ## Write every artifact of release VERSION into dist/release/: the image as an OCI archive, install.yaml, the chart and its repository index, the kubectl-scim archives with their krew manifest, checksums and notes.
	KUSTOMIZE="$(KUSTOMIZE)" HELM="$(HELM)" CONTAINER_TOOL="$(CONTAINER_TOOL)" IMAGE_REPO="$(IMAGE_REPO)" LDFLAGS="$(LDFLAGS)" hack/release.sh

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster in your kubeconfig.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRDs from the cluster. ignore-not-found=true ignores missing ones.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

DEPLOY_OVERLAY ?= config/default
.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator (DEPLOY_OVERLAY, default config/default) with image IMG to the cluster in your kubeconfig.
	@$(call kustomize-with-image,$(DEPLOY_OVERLAY)) | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize ## Remove the manager from the cluster.
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into bin/.
$(CONTROLLER_GEN): | $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Install kustomize into bin/.
$(KUSTOMIZE): | $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: helm
helm: $(HELM) ## Install helm into bin/.
$(HELM): | $(LOCALBIN)
	$(call go-install-tool,$(HELM),helm.sh/helm/v4/cmd/helm,$(HELM_VERSION))

.PHONY: crd-ref-docs
crd-ref-docs: $(CRD_REF_DOCS) ## Install crd-ref-docs into bin/.
$(CRD_REF_DOCS): | $(LOCALBIN)
	$(call go-install-tool,$(CRD_REF_DOCS),github.com/elastic/crd-ref-docs,$(CRD_REF_DOCS_VERSION))

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Install golangci-lint into bin/.
$(GOLANGCI_LINT): | $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

# go-install-tool installs package $2 at version $3 as $1, versioned so that
# a version bump in this Makefile installs the new one.
define go-install-tool
@[ -f "$(1)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Downloading $${package}" ;\
rm -f $(1) || true ;\
GOBIN=$(LOCALBIN) go install $${package} ;\
mv $(LOCALBIN)/$$(basename $(1) -$(3)) $(1) ;\
}
endef
