{{/*
Effective values: the spec-shaped values with the upstream sample's keys folded in and IoT Edge defaults applied.
Every template starts from this, so the chart renders what `kvedge template` renders for the same spec.
*/}}
{{- define "kvedge.values" -}}
{{- $v := deepCopy .Values -}}
{{- if .Values.publicSshKey -}}
{{- $_ := set $v.ssh "authorizedKeys" (append (default list $v.ssh.authorizedKeys) .Values.publicSshKey) -}}
{{- end -}}
{{- if .Values.aziotEdgeVmDiskSize -}}
{{- $_ := set $v.rootDisk "size" .Values.aziotEdgeVmDiskSize -}}
{{- end -}}
{{- if kindIs "bool" .Values.aziotEdgeVmEnableExternalSsh -}}
{{- $_ := set $v.expose "type" (ternary "LoadBalancer" "None" .Values.aziotEdgeVmEnableExternalSsh) -}}
{{- end -}}
{{- if .Values.macAddress -}}
{{- $_ := set $v.network "macAddress" .Values.macAddress -}}
{{- end -}}
{{- if or .Values.iotEdge .Values.azIotEdgeConfig -}}
{{- $defaults := deepCopy (include "kvedge.defaults" . | fromJson).iotEdge -}}
{{- $iot := mergeOverwrite $defaults (deepCopy (default dict .Values.iotEdge)) -}}
{{- if .Values.azIotEdgeConfig -}}{{- $_ := set $iot.credentials "configToml" .Values.azIotEdgeConfig -}}{{- end -}}
{{- if .Values.rootCA -}}{{- $_ := set $iot "trustBundle" .Values.rootCA -}}{{- end -}}
{{- if .Values.deviceCACert -}}{{- $_ := set $iot.credentials "edgeCaCert" .Values.deviceCACert -}}{{- end -}}
{{- if .Values.deviceCAKey -}}{{- $_ := set $iot.credentials "edgeCaKey" .Values.deviceCAKey -}}{{- end -}}
{{- range $k, $val := $iot.credentials -}}
{{- if and (hasSuffix "Env" $k) $val -}}
{{- fail (printf "iotEdge.credentials.%s: names an environment variable, which only kvedge reads; with Helm use --set-file iotEdge.credentials.%s=FILE or existingSecret" $k (trimSuffix "Env" $k)) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $v "iotEdge" $iot -}}
{{- end -}}
{{- toJson $v -}}
{{- end -}}

{{/* files/defaults.yaml: the defaults and tables kvedge's C# generates for the chart (never typed here twice). */}}
{{- define "kvedge.defaults" -}}
{{- .Files.Get "files/defaults.yaml" | fromYaml | toJson -}}
{{- end -}}

{{- define "kvedge.name" -}}
{{- default .Release.Name .Values.nameOverride -}}
{{- end -}}

{{/* metadata for one object: (dict "ctx" $ "v" $v "name" NAME "role" ROLE "annotations" EXTRA) */}}
{{- define "kvedge.metadata" -}}
{{- $device := include "kvedge.name" .ctx -}}
{{- $labels := merge (dict "app.kubernetes.io/name" "aziot-edge" "app.kubernetes.io/instance" $device "app.kubernetes.io/managed-by" "kvedge" "app.kubernetes.io/part-of" "kvedge" "kvedge.io/device" $device "kvedge.io/role" .role) (default dict .v.labels) -}}
{{- $annotations := merge (default dict .annotations) (default dict .v.annotations) -}}
metadata:
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  labels:
    {{- toYaml $labels | nindent 4 }}
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
{{- end -}}

{{/* 02:xx:xx:xx:xx:xx from SHA-256 of namespace/name, as kvedge derives it. */}}
{{- define "kvedge.mac" -}}
{{- $d := (include "kvedge.defaults" . | fromJson).identity -}}
{{- $h := sha256sum (printf "%s%s/%s" $d.macSeed .Release.Namespace (include "kvedge.name" .)) -}}
{{- printf "02:%s:%s:%s:%s:%s" (substr 0 2 $h) (substr 2 4 $h) (substr 4 6 $h) (substr 6 8 $h) (substr 8 10 $h) -}}
{{- end -}}

{{/* RFC 9562 version 8 UUID from SHA-256 of namespace/name, as kvedge derives it. */}}
{{- define "kvedge.uuid" -}}
{{- $d := (include "kvedge.defaults" . | fromJson).identity -}}
{{- $h := sha256sum (printf "%s%s/%s" $d.uuidSeed .Release.Namespace (include "kvedge.name" .)) -}}
{{- $variant := index $d.uuidVariantDigit (substr 16 17 $h) -}}
{{- printf "%s-%s-8%s-%s%s-%s" (substr 0 8 $h) (substr 8 12 $h) (substr 13 16 $h) $variant (substr 17 20 $h) (substr 20 32 $h) -}}
{{- end -}}

{{/* The credentials given inline, keyed as in the credentials Secret: (dict "ctx" $ "credentials" CREDENTIALS) */}}
{{- define "kvedge.credentials" -}}
{{- $c := .credentials -}}
{{- $out := dict -}}
{{- range $field, $key := (include "kvedge.defaults" .ctx | fromJson).credentialKeys -}}
{{- with (get $c $field) -}}
{{- if or (hasSuffix ".pem" $key) (eq $key "config.toml") -}}
{{- $_ := set $out $key (ternary . (printf "%s\n" .) (hasSuffix "\n" .)) -}}
{{- else -}}
{{- $_ := set $out $key (trim .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
