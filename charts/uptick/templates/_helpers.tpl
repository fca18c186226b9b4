{{/*
Shared helpers. Those about one component take a dict: (dict "root" $ "component" "auth").
*/}}

{{/* Chart name, cut at 63 characters (a DNS label). */}}
{{- define "uptick.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: <release>-<chart>, or the release alone when it already holds the chart name. */}}
{{- define "uptick.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's objects: <fullname>-<component>, cut at 63 characters. */}}
{{- define "uptick.componentName" -}}
{{- printf "%s-%s" (include "uptick.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "uptick.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select a component's pods: name, instance and component only. */}}
{{- define "uptick.selectorLabels" -}}
app.kubernetes.io/name: {{ include "uptick.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/component: {{ .component | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* The recommended labels of every object of a component. */}}
{{- define "uptick.labels" -}}
helm.sh/chart: {{ include "uptick.chart" .root }}
{{ include "uptick.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: uptick
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* metadata.name, namespace and labels of a component's object; "name" overrides the name. */}}
{{- define "uptick.metadata" -}}
name: {{ default (include "uptick.componentName" .) .name }}
namespace: {{ .root.Release.Namespace }}
labels:
  {{- include "uptick.labels" . | nindent 2 }}
{{- end -}}

{{/* True (non-empty) when the whole of Uptick is installed, not only regional checkers. */}}
{{- define "uptick.full" -}}
{{- if eq .Values.mode "full" }}true{{ end -}}
{{- end -}}

{{/* The registry in front of every image: global.imageRegistry, else image.registry. */}}
{{- define "uptick.registry" -}}
{{- default .Values.image.registry .Values.global.imageRegistry | trimSuffix "/" -}}
{{- end -}}

{{/*
Image of an Uptick service: (dict "root" $ "service" "auth" "image" .Values.auth.image).
<registry>/<repository>@<digest>, else <registry>/<repository>:<tag>; repository defaults to
uptick-<service>, tag to image.tag, then the chart's appVersion.
*/}}
{{- define "uptick.image" -}}
{{- $image := .image | default dict -}}
{{- $registry := include "uptick.registry" .root -}}
{{- $repository := default (printf "uptick-%s" .service) $image.repository -}}
{{- if $registry }}{{ $repository = printf "%s/%s" $registry $repository }}{{ end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default (default .root.Chart.AppVersion .root.Values.image.tag) $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* An image of another project (in-chart PostgreSQL, Redis) behind global.imageRegistry when set. */}}
{{- define "uptick.externalImage" -}}
{{- with .root.Values.global.imageRegistry }}{{ printf "%s/%s" (trimSuffix "/" .) $.image }}{{ else }}{{ .image }}{{ end -}}
{{- end -}}

{{/* Name of the pods' ServiceAccount, or "" for the namespace's default. */}}
{{- define "uptick.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "uptick.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The names of the checker regions, in order. */}}
{{- define "uptick.regionNames" -}}
{{- $names := list -}}
{{- range .Values.checker.regions }}{{ $names = append $names .name }}{{ end -}}
{{- join "," $names -}}
{{- end -}}

{{/* A checker region's settings: the checker defaults overridden key by key by the region entry. */}}
{{- define "uptick.checker.region" -}}
{{- $defaults := omit .root.Values.checker "regions" "keda" "egress" "allowedNetworks" -}}
{{- toYaml (mergeOverwrite (deepCopy $defaults) (omit (deepCopy .region) "name")) -}}
{{- end -}}

{{/* Component names of every checker Deployment. */}}
{{- define "uptick.checker.components" -}}
{{- $components := list -}}
{{- range .Values.checker.regions }}{{ $components = append $components (printf "checker-%s" .name) }}{{ end -}}
{{- toJson $components -}}
{{- end -}}

{{/* ---------- Connections (Secret and ConfigMap names) ---------- */}}

{{/* The database URL the chart itself knows (in-chart PostgreSQL or externalDatabase.url), or "". */}}
{{- define "uptick.databaseUrl" -}}
{{- if .Values.postgresql.enabled -}}
{{- $pg := .Values.postgresql.auth -}}
{{- printf "postgresql://%s:%s@%s:5432/%s" $pg.username (required "postgresql.auth.password is required when postgresql.enabled" $pg.password | urlquery) (include "uptick.componentName" (dict "root" . "component" "postgresql")) $pg.database -}}
{{- else if not .Values.externalDatabase.existingSecret -}}
{{- .Values.externalDatabase.url -}}
{{- end -}}
{{- end -}}

{{/* The Redis URL the chart itself knows (in-chart Redis or externalRedis.url), or "". */}}
{{- define "uptick.redisUrl" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s:6379/0" (include "uptick.componentName" (dict "root" . "component" "redis")) -}}
{{- else if not .Values.externalRedis.existingSecret -}}
{{- .Values.externalRedis.url -}}
{{- end -}}
{{- end -}}

{{- define "uptick.databaseSecretName" -}}
{{- default (include "uptick.fullname" .) .Values.externalDatabase.existingSecret -}}
{{- end -}}

{{- define "uptick.databaseSecretKey" -}}
{{- if .Values.externalDatabase.existingSecret }}{{ .Values.externalDatabase.existingSecretKey }}{{ else }}UPTICK_DATABASE_URL{{ end -}}
{{- end -}}

{{- define "uptick.redisSecretName" -}}
{{- default (include "uptick.fullname" .) .Values.externalRedis.existingSecret -}}
{{- end -}}

{{- define "uptick.redisSecretKey" -}}
{{- if .Values.externalRedis.existingSecret }}{{ .Values.externalRedis.existingSecretKey }}{{ else }}UPTICK_REDIS_URL{{ end -}}
{{- end -}}

{{- define "uptick.jwtSecretName" -}}
{{- default (printf "%s-jwt" (include "uptick.fullname" .)) .Values.jwt.existingSecret -}}
{{- end -}}

{{- define "uptick.jwtSecretKey" -}}
{{- if .Values.jwt.existingSecret }}{{ .Values.jwt.existingSecretKey }}{{ else }}private.pem{{ end -}}
{{- end -}}

{{- define "uptick.jwtConfigMapName" -}}
{{- default (printf "%s-jwt-public" (include "uptick.fullname" .)) .Values.jwt.existingConfigMap -}}
{{- end -}}

{{- define "uptick.jwtConfigMapKey" -}}
{{- if .Values.jwt.existingConfigMap }}{{ .Values.jwt.existingConfigMapKey }}{{ else }}public.pem{{ end -}}
{{- end -}}

{{/* Whether the migration Job runs as a Helm hook (never with the in-chart PostgreSQL). */}}
{{- define "uptick.migrations.hook" -}}
{{- if and .Values.migrations.helmHooks (not .Values.postgresql.enabled) }}true{{ end -}}
{{- end -}}

{{/* The annotations of the migration hook's objects: (dict "weight" N). Lower weights run first. */}}
{{- define "uptick.migrations.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* ---------- Pods ---------- */}}

{{/* checksum/config: rolls the pods when the shared configuration, the Secret or the keys change. */}}
{{- define "uptick.configChecksum" -}}
{{- $root := . -}}
{{- $parts := list -}}
{{- range list "/config/configmap.yaml" "/config/secret.yaml" "/config/jwt.yaml" -}}
{{- $parts = append $parts (include (print $root.Template.BasePath .) $root) -}}
{{- end -}}
{{- join "\n---\n" $parts | sha256sum -}}
{{- end -}}

{{/* Environment every Uptick container gets: the shared ConfigMap plus the connection strings. */}}
{{- define "uptick.env.redis" -}}
- name: UPTICK_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "uptick.redisSecretName" . }}
      key: {{ include "uptick.redisSecretKey" . }}
{{- end -}}

{{- define "uptick.env.database" -}}
- name: UPTICK_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "uptick.databaseSecretName" . }}
      key: {{ include "uptick.databaseSecretKey" . }}
{{- end -}}

{{/* Prometheus scrape annotations of a pod: (dict "root" $ "port" 8000). Only while no ServiceMonitor
scrapes the same pods: both at once would store every series twice. */}}
{{- define "uptick.scrapeAnnotations" -}}
{{- $m := .root.Values.metrics -}}
{{- if and $m.enabled (not $m.serviceMonitor.enabled) }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{/* A YAML list of the given lists joined, or "" when all are empty: (list $a $b …). */}}
{{- define "uptick.concat" -}}
{{- $all := list -}}
{{- range . }}{{ $all = concat $all (. | default list) }}{{ end -}}
{{- if $all }}{{ toYaml $all }}{{ end -}}
{{- end -}}

{{/* The fields of a pod spec every Uptick pod has (service account, pull secrets, security,
priority), at the indentation of the pod spec: (dict "root" $ "values" component values), and
optionally "serviceAccountName" instead of the release's. */}}
{{- define "uptick.podCommon" -}}
{{- $root := .root -}}
{{- with .serviceAccountName | default (include "uptick.serviceAccountName" $root) }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: {{ .automountToken | default $root.Values.serviceAccount.automountServiceAccountToken }}
enableServiceLinks: false
{{- with $root.Values.image.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with default $root.Values.priorityClassName (.values | default dict).priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* The probes of an Uptick container: the chart's, with the component's overrides merged over
them: (dict "values" component values "port" port name). /healthz answers from the process' first
second (it says "alive", nothing about dependencies); /readyz says whether Postgres and Redis
answer. The startupProbe gives a slow start two minutes before liveness counts. */}}
{{- define "uptick.probes" -}}
{{- $v := .values -}}
{{- $healthz := dict "path" "/healthz" "port" .port -}}
{{- $startup := dict "httpGet" $healthz "periodSeconds" 2 "timeoutSeconds" 3 "failureThreshold" 60 -}}
{{- $liveness := dict "httpGet" $healthz "periodSeconds" 10 "timeoutSeconds" 3 "failureThreshold" 6 -}}
{{- $readiness := dict "httpGet" (dict "path" "/readyz" "port" .port) "periodSeconds" 5 "timeoutSeconds" 3 "failureThreshold" 3 -}}
startupProbe:
  {{- toYaml (mergeOverwrite $startup (deepCopy ($v.startupProbe | default dict))) | nindent 2 }}
livenessProbe:
  {{- toYaml (mergeOverwrite $liveness (deepCopy ($v.livenessProbe | default dict))) | nindent 2 }}
readinessProbe:
  {{- toYaml (mergeOverwrite $readiness (deepCopy ($v.readinessProbe | default dict))) | nindent 2 }}
{{- end -}}

{{/* topologySpreadConstraints of a component: its own, else the top-level ones, each given the
component's pods as labelSelector when it has none: (dict "root" $ "component" … "values" …). */}}
{{- define "uptick.topologySpread" -}}
{{- $constraints := .values.topologySpreadConstraints | default .root.Values.topologySpreadConstraints -}}
{{- $selector := include "uptick.selectorLabels" . | fromYaml -}}
{{- $filled := list -}}
{{- range $constraints }}
{{- $c := deepCopy . }}
{{- if not $c.labelSelector }}{{ $_ := set $c "labelSelector" (dict "matchLabels" $selector) }}{{ end }}
{{- $filled = append $filled $c }}
{{- end }}
{{- if $filled }}{{ toYaml $filled }}{{ end -}}
{{- end -}}

{{/*
A Deployment of an Uptick service. Takes a dict:
  root       the chart's root context
  component  component name (auth, monitors, poller, ingest, checker-<region>)
  service    the image/console script (auth, monitors, poller, ingest, checker)
  values     the component's values (the keys every component has, see values.yaml)
  http       true for HTTP services (port 8000 "http"), false for workers (port 9000 "metrics")
  healthPort true for an HTTP service whose /healthz, /readyz and /metrics are on 9000 "metrics" (web:
             every path of its routed port is the dashboard's); probes and scraping use that port
  env        extra env list (YAML), optional
  volumes, volumeMounts  extra volumes (YAML), optional
  extraLabels  labels of the Deployment and its pods, optional
  keda       true when a KEDA ScaledObject owns the replica count
  recreate   true: the old pod stops before the new one starts (a single-replica controller)
  serviceAccountName, automountToken  the pods' own ServiceAccount and token (the operator's), optional
A new component is a folder of templates calling this, uptick.service, uptick.pdb, uptick.hpa,
uptick.networkPolicy and uptick.serviceMonitor with its name, and a block of values with these keys.
*/}}
{{- define "uptick.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $port := ternary 8000 9000 .http -}}
{{- $portName := ternary "http" "metrics" .http -}}
{{- $healthPortName := ternary "metrics" $portName (default false .healthPort) -}}
{{- $healthPort := ternary 9000 $port (default false .healthPort) -}}
{{- $autoscaled := or (and $v.autoscaling $v.autoscaling.enabled) .keda -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
  {{- with .extraLabels }}
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- if not $autoscaled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "uptick.selectorLabels" . | nindent 6 }}
  strategy:
    {{- if .recreate }}
    type: Recreate
    {{- else }}
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
    {{- end }}
  template:
    metadata:
      labels:
        {{- include "uptick.labels" . | nindent 8 }}
        {{- with .extraLabels }}
          {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with mergeOverwrite (deepCopy $root.Values.podLabels) ($v.podLabels | default dict) }}
          {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "uptick.configChecksum" $root }}
        {{- with include "uptick.scrapeAnnotations" (dict "root" $root "port" $healthPort) | trim }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with mergeOverwrite (deepCopy $root.Values.podAnnotations) ($v.podAnnotations | default dict) }}
          {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "uptick.podCommon" (dict "root" $root "values" $v "serviceAccountName" .serviceAccountName
            "automountToken" .automountToken) | trim | nindent 6 }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .service }}
          image: {{ include "uptick.image" (dict "root" $root "service" .service "image" $v.image) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: {{ $portName }}
              containerPort: {{ $port }}
              protocol: TCP
            {{- if .healthPort }}
            - name: metrics
              containerPort: 9000
              protocol: TCP
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "uptick.fullname" $root }}-config
            {{- with include "uptick.concat" (list $root.Values.extraEnvFrom $v.extraEnvFrom) }}
            {{- . | nindent 12 }}
            {{- end }}
          env:
            {{- if .http }}
            - name: UPTICK_PORT
              value: "8000"
            {{- if .healthPort }}
            - name: UPTICK_HEALTH_PORT
              value: "9000"
            {{- end }}
            {{- else }}
            - name: UPTICK_HEALTH_PORT
              value: "9000"
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with include "uptick.concat" (list $root.Values.extraEnv $v.extraEnv) }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- include "uptick.probes" (dict "values" $v "port" $healthPortName) | nindent 10 }}
          {{- if $v.preStopSleepSeconds }}
          lifecycle:
            # Keep serving while the endpoint is taken out of the Service and the ingress
            # controller; SIGTERM (graceful drain) comes after.
            preStop:
              exec:
                command: ["sleep", "{{ $v.preStopSleepSeconds }}"]
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with .volumeMounts }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with include "uptick.concat" (list $root.Values.extraVolumeMounts $v.extraVolumeMounts) }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.tmpSizeLimit }}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with include "uptick.concat" (list $root.Values.extraVolumes $v.extraVolumes) }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with include "uptick.topologySpread" . }}
      topologySpreadConstraints:
        {{- . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* A Service in front of a component's pods: (dict "root" $ "component" … "http" bool "annotations" {…}),
and "healthPort" true to also expose 9000 "metrics" (for scraping) beside 8000. */}}
{{- define "uptick.service" -}}
{{- $port := ternary 8000 9000 .http -}}
{{- $portName := ternary "http" "metrics" .http -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: ClusterIP
  selector:
    {{- include "uptick.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ $portName }}
      port: {{ $port }}
      targetPort: {{ $portName }}
      protocol: TCP
    {{- if .healthPort }}
    - name: metrics
      port: 9000
      targetPort: metrics
      protocol: TCP
    {{- end }}
{{- end -}}

{{/* A HorizontalPodAutoscaler on CPU: (dict "root" $ "component" … "autoscaling" {…}). */}}
{{- define "uptick.hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "uptick.componentName" . }}
  minReplicas: {{ .autoscaling.minReplicas }}
  maxReplicas: {{ .autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .autoscaling.targetCPUUtilizationPercentage }}
  {{- with .autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* A PodDisruptionBudget: (dict "root" $ "component" … "pdb" {enabled, maxUnavailable}). Pods that
are not ready (waiting for Postgres or Redis during an outage) may always be evicted, so that an
outage never blocks a node drain. */}}
{{- define "uptick.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
spec:
  maxUnavailable: {{ .pdb.maxUnavailable }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "uptick.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* ---------- NetworkPolicy pieces ---------- */}}

{{/* The peers of one dependency: the in-chart server's pods, else the configured peers, else a
clear failure (egress to a port is never open to every address). */}}
{{- define "uptick.netpol.peers" -}}
{{- if .inChart -}}
- podSelector:
    matchLabels:
      {{- include "uptick.selectorLabels" (dict "root" .root "component" .inChart) | nindent 6 }}
{{- else if .peers -}}
{{- toYaml .peers -}}
{{- else -}}
{{- fail (printf "networkPolicy.enabled needs networkPolicy.%s.peers (where %s is, e.g. [{ipBlock: {cidr: 10.0.5.4/32}}]): egress to port %v is never opened to every address" .name .what .port) -}}
{{- end -}}
{{- end -}}

{{/* Egress to DNS, and to PostgreSQL and/or Redis: (dict "root" $ "database" bool "redis" bool). */}}
{{- define "uptick.netpol.egress" -}}
{{- $root := .root -}}
{{- $np := $root.Values.networkPolicy -}}
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
  to:
    {{- include "uptick.netpol.peers" (dict "root" $root "peers" $np.dns.peers "name" "dns" "what" "the cluster DNS" "port" 53) | nindent 4 }}
{{- if .database }}
- ports:
    - {port: {{ $np.database.port }}, protocol: TCP}
  to:
    {{- include "uptick.netpol.peers" (dict "root" $root "peers" $np.database.peers "name" "database" "what" "PostgreSQL" "port" $np.database.port "inChart" (ternary "postgresql" "" $root.Values.postgresql.enabled)) | nindent 4 }}
{{- end }}
{{- if .redis }}
- ports:
    - {port: {{ $np.redis.port }}, protocol: TCP}
  to:
    {{- include "uptick.netpol.peers" (dict "root" $root "peers" $np.redis.peers "name" "redis" "what" "Redis" "port" $np.redis.port "inChart" (ternary "redis" "" $root.Values.redis.enabled)) | nindent 4 }}
{{- end }}
{{- end -}}

{{/* Ingress from Prometheus to a port: (dict "root" $ "port" 9000). Empty when metrics are off. */}}
{{- define "uptick.netpol.fromPrometheus" -}}
{{- if .root.Values.metrics.enabled }}
- from:
    {{- toYaml .root.Values.networkPolicy.prometheusPeers | nindent 4 }}
  ports:
    - {port: {{ .port }}, protocol: TCP}
{{- end }}
{{- end -}}

{{/* Ingress to an HTTP service's port 8000: the ingress controller, and the `helm test` Pod; Prometheus on
8000, or on "metricsPort" (web's 9000). */}}
{{- define "uptick.netpol.http" -}}
- from:
    {{- toYaml .root.Values.networkPolicy.ingressControllerPeers | nindent 4 }}
  ports:
    - {port: 8000, protocol: TCP}
{{- if .root.Values.tests.enabled }}
- from:
    - podSelector:
        matchLabels:
          {{- include "uptick.selectorLabels" (dict "root" .root "component" "tests") | nindent 10 }}
  ports:
    - {port: 8000, protocol: TCP}
{{- end }}
{{ include "uptick.netpol.fromPrometheus" (dict "root" .root "port" (default 8000 .metricsPort)) }}
{{- end -}}

{{/* The non-blank lines of a text, each on a new line and indented: (dict "text" … "indent" 4). */}}
{{- define "uptick.nonBlankLines" -}}
{{- $indent := .indent -}}
{{- range splitList "\n" .text }}{{ if trim . }}{{ . | nindent $indent }}{{ end }}{{ end -}}
{{- end -}}

{{/* A NetworkPolicy of a component: (dict "root" $ "component" … "ingress" YAML "egress" YAML
"annotations" {…} "podSelector" YAML). */}}
{{- define "uptick.networkPolicy" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  podSelector:
    {{- if .podSelector }}
    {{- .podSelector | nindent 4 }}
    {{- else }}
    matchLabels:
      {{- include "uptick.selectorLabels" . | nindent 6 }}
    {{- end }}
  policyTypes: [Ingress, Egress]
  {{- if trim .ingress }}
  ingress:
    {{- include "uptick.nonBlankLines" (dict "text" .ingress "indent" 4) }}
  {{- else }}
  ingress: []
  {{- end }}
  egress:
    {{- include "uptick.nonBlankLines" (dict "text" .egress "indent" 4) }}
{{- end -}}

{{/* A ServiceMonitor: (dict "root" $ "component" … "port" name "selector" YAML). The services
label their HTTP metrics `service` (auth, monitors); the Operator's target label of that name (the
Kubernetes Service) is renamed kubernetes_service, so no label clashes and nothing needs honorLabels
(which would let a pod overwrite namespace, pod or job). */}}
{{- define "uptick.serviceMonitor" -}}
{{- $sm := .root.Values.metrics.serviceMonitor -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
  {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  selector:
    {{- if .selector }}
    {{- .selector | nindent 4 }}
    {{- else }}
    matchLabels:
      {{- include "uptick.selectorLabels" . | nindent 6 }}
    {{- end }}
  namespaceSelector:
    matchNames: [{{ .root.Release.Namespace }}]
  endpoints:
    - port: {{ .port }}
      path: /metrics
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
      relabelings:
        - sourceLabels: [service]
          targetLabel: kubernetes_service
        - action: labeldrop
          regex: service
        {{- with $sm.relabelings }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $sm.metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* Egress to the internet (checker.egress: any public address, on any port), plus the comma-separated CIDRs
of `allowed`: (dict "root" $ "allowed" "10.1.0.0/16"). What the checkers and the notifier may reach. */}}
{{- define "uptick.netpol.internet" -}}
{{- $blocks := list }}
{{- range $cidr := .root.Values.checker.egress.cidrs }}
{{- $v6 := contains ":" $cidr }}
{{- $except := list }}
{{- range $.root.Values.checker.egress.except }}{{ if eq (contains ":" .) $v6 }}{{ $except = append $except . }}{{ end }}{{ end }}
{{- $block := dict "cidr" $cidr }}
{{- if $except }}{{ $_ := set $block "except" $except }}{{ end }}
{{- $blocks = append $blocks (dict "ipBlock" $block) }}
{{- end }}
{{- range splitList "," (.allowed | default "") }}
{{- if trim . }}{{ $blocks = append $blocks (dict "ipBlock" (dict "cidr" (trim .))) }}{{ end }}
{{- end }}
{{- if $blocks }}
- to:
{{ toYaml $blocks | indent 4 }}
{{- end }}
{{- end -}}
