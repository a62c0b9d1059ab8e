{{/* The chart name, or nameOverride. */}}
{{- define "tenon.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of every object: fullnameOverride, or the release name (plus the chart name unless it is in there). */}}
{{- define "tenon.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tenon.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "tenon.labels" -}}
helm.sh/chart: {{ include "tenon.chart" . }}
{{ include "tenon.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* What the Deployment, Service and PodDisruptionBudget select pods by. */}}
{{- define "tenon.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tenon.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Metadata lines shared by every object: labels and annotations. */}}
{{- define "tenon.metadata" -}}
labels:
  {{- include "tenon.labels" . | nindent 2 }}
{{- with .Values.additionalAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "tenon.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tenon.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tenon.image" -}}
{{- $image := .Values.controller.image }}
{{- $tag := default .Chart.AppVersion $image.tag }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository $tag }}
{{- end }}
{{- end }}

{{/* The cluster's name, which tenon cannot run without: an empty one fails the install, saying so. */}}
{{- define "tenon.clusterName" -}}
{{- required "settings.clusterName is required: set it to your EKS cluster's name (--set settings.clusterName=<name>); tenon discovers subnets, security groups and the cluster endpoint with it" .Values.settings.clusterName }}
{{- end }}

{{/* Karpenter settings a Karpenter values file may carry that tenon does not act on (named in NOTES.txt). */}}
{{- define "tenon.ignoredSettings" -}}
{{- $ignored := list }}
{{- range $key := list "preferencePolicy" "minValuesPolicy" "eksControlPlane" "enableZonalShift" "ignoreDRARequests" "disableClusterStateObservability" "disableDryRun" "amiRefreshInterval" "subnetRefreshInterval" }}
{{- if hasKey $.Values.settings $key }}
{{- $ignored = append $ignored (printf "settings.%s" $key) }}
{{- end }}
{{- end }}
{{- range $p := .Values.logOutputPaths | default list }}
{{- if ne $p "stdout" }}{{ $ignored = append $ignored (printf "logOutputPaths %s" $p) }}{{ end }}
{{- end }}
{{- range $p := .Values.logErrorOutputPaths | default list }}
{{- if ne $p "stderr" }}{{ $ignored = append $ignored (printf "logErrorOutputPaths %s" $p) }}{{ end }}
{{- end }}
{{- join ", " $ignored }}
{{- end }}

{{/* FEATURE_GATES in Karpenter's syntax, Name=bool,…, from settings.featureGates (lowerCamelCase keys). */}}
{{- define "tenon.featureGates" -}}
{{- $gates := list }}
{{- range $key := keys .Values.settings.featureGates | sortAlpha }}
{{- $value := get $.Values.settings.featureGates $key }}
{{- $gates = append $gates (printf "%s%s=%t" (upper (substr 0 1 $key)) (substr 1 -1 $key) $value) }}
{{- end }}
{{- join "," $gates }}
{{- end }}

{{/* The affinity, with the selector labels added to pod (anti-)affinity terms that have no selector. */}}
{{- define "tenon.affinity" -}}
{{- $affinity := deepCopy .Values.affinity }}
{{- range $kind := list "podAffinity" "podAntiAffinity" }}
{{- with (get $affinity $kind) }}
{{- range $term := (get . "requiredDuringSchedulingIgnoredDuringExecution" | default list) }}
{{- if not (hasKey $term "labelSelector") }}
{{- $_ := set $term "labelSelector" (dict "matchLabels" (include "tenon.selectorLabels" $ | fromYaml)) }}
{{- end }}
{{- end }}
{{- range $weighted := (get . "preferredDuringSchedulingIgnoredDuringExecution" | default list) }}
{{- if and (hasKey $weighted "podAffinityTerm") (not (hasKey $weighted.podAffinityTerm "labelSelector")) }}
{{- $_ := set $weighted.podAffinityTerm "labelSelector" (dict "matchLabels" (include "tenon.selectorLabels" $ | fromYaml)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $affinity }}
{{- end }}

{{/* The topology spread constraints, with the selector labels added where a constraint has none. */}}
{{- define "tenon.topologySpreadConstraints" -}}
{{- $out := list }}
{{- range $c := .Values.topologySpreadConstraints }}
{{- $c := deepCopy $c }}
{{- if not (hasKey $c "labelSelector") }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" (include "tenon.selectorLabels" $ | fromYaml)) }}
{{- end }}
{{- $out = append $out $c }}
{{- end }}
{{- toYaml $out }}
{{- end }}
