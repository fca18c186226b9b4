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

{{/* Image of an Uptick service: (dict "root" $ "service" "auth"). */}}
{{- define "uptick.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/uptick-%s:%s" (trimSuffix "/" .root.Values.image.registry) .service $tag -}}
{{- else -}}
{{- printf "uptick-%s:%s" .service $tag -}}
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
{{- $defaults := pick .root.Values.checker "replicaCount" "resources" "nodeSelector" "affinity" "tolerations" "autoscaling" -}}
{{- toYaml (mergeOverwrite (deepCopy $defaults) (deepCopy .region)) -}}
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

{{/* NAME: value map to an env list. */}}
{{- define "uptick.env.map" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end -}}
{{- end -}}

{{/* Prometheus scrape annotations of a pod: (dict "root" $ "port" 8000). */}}
{{- define "uptick.scrapeAnnotations" -}}
{{- if .root.Values.metrics.enabled }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{/*
A Deployment of an Uptick service. Takes a dict:
  root       the chart's root context
  component  component name (auth, monitors, poller, ingest, checker-<region>)
  service    the image/console script (auth, monitors, poller, ingest, checker)
  values     the component's values (replicaCount, resources, autoscaling, nodeSelector, …)
  http       true for HTTP services (port 8000 "http"), false for workers (port 9000 "metrics")
  env        extra env list (YAML), optional
  volumes, volumeMounts  extra volumes (YAML), optional
  podAnnotations, extraEnv  from the component's values
*/}}
{{- define "uptick.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $port := ternary 8000 9000 .http -}}
{{- $portName := ternary "http" "metrics" .http -}}
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
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "uptick.labels" . | nindent 8 }}
        {{- with .extraLabels }}
          {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "uptick.configChecksum" $root }}
        {{- with include "uptick.scrapeAnnotations" (dict "root" $root "port" $port) | trim }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with .podAnnotations }}
          {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- with $root.Values.serviceAccountName }}
      serviceAccountName: {{ . }}
      {{- end }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ .terminationGracePeriodSeconds }}
      containers:
        - name: {{ .service }}
          image: {{ include "uptick.image" (dict "root" $root "service" .service) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: {{ $portName }}
              containerPort: {{ $port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "uptick.fullname" $root }}-config
          env:
            {{- if .http }}
            - name: UPTICK_PORT
              value: "8000"
            {{- else }}
            - name: UPTICK_HEALTH_PORT
              value: "9000"
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with include "uptick.env.map" .extraEnv | trim }}
            {{- . | nindent 12 }}
            {{- end }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: {{ $portName }}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 6
          readinessProbe:
            httpGet:
              path: /readyz
              port: {{ $portName }}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
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
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.tmpSizeLimit }}
        {{- with .volumes }}
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
{{- end -}}

{{/* A Service in front of a component's pods: (dict "root" $ "component" … "http" bool). */}}
{{- define "uptick.service" -}}
{{- $port := ternary 8000 9000 .http -}}
{{- $portName := ternary "http" "metrics" .http -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
spec:
  type: ClusterIP
  selector:
    {{- include "uptick.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ $portName }}
      port: {{ $port }}
      targetPort: {{ $portName }}
      protocol: TCP
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
{{- end -}}

{{/* A PodDisruptionBudget: (dict "root" $ "component" … "pdb" {enabled, maxUnavailable}). */}}
{{- define "uptick.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
spec:
  maxUnavailable: {{ .pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "uptick.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* ---------- NetworkPolicy pieces ---------- */}}

{{/* Egress to DNS, and to PostgreSQL and/or Redis: (dict "root" $ "database" bool "redis" bool). */}}
{{- define "uptick.netpol.egress" -}}
{{- $np := .root.Values.networkPolicy -}}
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
  {{- with $np.dns.peers }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- if .database }}
- ports:
    - {port: {{ $np.database.port }}, protocol: TCP}
  {{- if .root.Values.postgresql.enabled }}
  to:
    - podSelector:
        matchLabels:
          {{- include "uptick.selectorLabels" (dict "root" .root "component" "postgresql") | nindent 10 }}
  {{- else if $np.database.peers }}
  to:
    {{- toYaml $np.database.peers | nindent 4 }}
  {{- end }}
{{- end }}
{{- if .redis }}
- ports:
    - {port: {{ $np.redis.port }}, protocol: TCP}
  {{- if .root.Values.redis.enabled }}
  to:
    - podSelector:
        matchLabels:
          {{- include "uptick.selectorLabels" (dict "root" .root "component" "redis") | nindent 10 }}
  {{- else if $np.redis.peers }}
  to:
    {{- toYaml $np.redis.peers | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Ingress from Prometheus to a port: (dict "root" $ "port" "metrics"). Empty when metrics are off. */}}
{{- define "uptick.netpol.fromPrometheus" -}}
{{- if .root.Values.metrics.enabled }}
- from:
    {{- toYaml .root.Values.networkPolicy.prometheusPeers | nindent 4 }}
  ports:
    - {port: {{ .port }}, protocol: TCP}
{{- end }}
{{- end -}}

{{/* The non-blank lines of a text, each on a new line and indented: (dict "text" … "indent" 4). */}}
{{- define "uptick.nonBlankLines" -}}
{{- $indent := .indent -}}
{{- range splitList "\n" .text }}{{ if trim . }}{{ . | nindent $indent }}{{ end }}{{ end -}}
{{- end -}}

{{/* A NetworkPolicy of a component: (dict "root" $ "component" … "ingress" YAML "egress" YAML). */}}
{{- define "uptick.networkPolicy" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "uptick.metadata" . | nindent 2 }}
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

{{/* A ServiceMonitor: (dict "root" $ "component" … "port" name "selector" YAML). */}}
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
      # The services label their own metrics (e.g. service="auth"); keep those labels.
      honorLabels: true
{{- end -}}
