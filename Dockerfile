# The manager image: the static binary `make docker-build` builds with the
# local Go toolchain from the whole module (hack/image.sh), on a base that
# needs to hold nothing but a non-root user. Building the binary outside
# the image, as GoReleaser and ko do, makes the build work where no Go
# builder image can be pulled, and the same binary is in every image of a
# release.
ARG BASE_IMAGE=gcr.io/distroless/static:nonroot
FROM ${BASE_IMAGE}
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=v0.0.0-dev
LABEL org.opencontainers.image.title="scim-operator" \
      org.opencontainers.image.description="SCIM 2.0 provisioning of users and groups into Kubernetes" \
      org.opencontainers.image.source="https://github.com/scim-operator/scim-operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
COPY dist/image/${TARGETOS}_${TARGETARCH}/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
