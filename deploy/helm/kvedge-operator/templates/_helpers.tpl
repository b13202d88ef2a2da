{{/* The release's name, as the operator's objects are named. */}}
{{- define "kvedge-operator.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kvedge-operator.selector" -}}
app.kubernetes.io/name: kvedge-operator
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{- define "kvedge-operator.labels" -}}
{{ include "kvedge-operator.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: kvedge
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
{{- end -}}

{{- define "kvedge-operator.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* What the operator may do with the devices' objects, verb by verb (docs/operator.md). */}}
{{- define "kvedge-operator.rules" -}}
- apiGroups: ["kvedge.io"]
  resources: ["edgedevices"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["kvedge.io"]
  resources: ["edgedevices/status"]
  verbs: ["get", "patch"]
- apiGroups: ["kvedge.io"]
  resources: ["edgedevices/finalizers"]
  verbs: ["update"]
- apiGroups: ["kvedge.io"]
  resources: ["rolloutpolicies"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["kvedge.io"]
  resources: ["rolloutpolicies/status"]
  verbs: ["get", "patch"]
- apiGroups: ["kubevirt.io"]
  resources: ["virtualmachines"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["kubevirt.io"]
  resources: ["virtualmachineinstances"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["subresources.kubevirt.io"]
  resources: ["virtualmachines/restart"]
  verbs: ["update"]
- apiGroups: ["cdi.kubevirt.io"]
  resources: ["datavolumes"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["secrets", "configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["list", "patch", "delete"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
