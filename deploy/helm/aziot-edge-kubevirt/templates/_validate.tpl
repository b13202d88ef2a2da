{{/*
What values.schema.json cannot say, refused as kvedge's validator refuses it (src/KVEdge.Core/Validation): quantity
bounds, duplicates, SSH key bodies, conflicting options, the shape of credentials. Every message names the value path
and never the value (a value here may be a credential). All problems are reported at once.
*/}}
{{- define "kvedge.validate" -}}
{{- $v := include "kvedge.values" . | fromJson -}}
{{- $e := list -}}
{{- $name := include "kvedge.name" . -}}
{{- if not (and (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .Release.Namespace) (le (len .Release.Namespace) 63)) -}}
{{- $e = append $e "namespace: must be an RFC 1123 label: lower case letters, digits and '-', at most 63 characters [rule: rfc1123-label]" -}}
{{- end -}}
{{- if not (and (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) (le (len $name) 63)) -}}
{{- $e = append $e "nameOverride: the device name (nameOverride, else the release name) must be an RFC 1035 label: lower case letters, digits and '-', starting with a letter [rule: rfc1035-label]" -}}
{{- end -}}
{{- if gt (mul (int $v.cpu.cores) (int $v.cpu.sockets) (int $v.cpu.threads)) 512 -}}
{{- $e = append $e "cpu: cores × sockets × threads must be at most 512 vCPUs [rule: range]" -}}
{{- end -}}
{{- $e = concat $e (include "kvedge.validate.quantity" (dict "path" "memory" "value" $v.memory "min" 1073741824 "max" 4398046511104 "range" "1Gi and 4096Gi") | fromJsonArray) -}}
{{- $r := $v.rootDisk -}}
{{- $sources := list -}}
{{- range $s := list "containerDisk" "http" "registry" "pvc" "dataSource" -}}
{{- if get $r $s -}}{{- $sources = append $sources $s -}}{{- end -}}
{{- end -}}
{{- if gt (len $sources) 1 -}}
{{- $e = append $e (printf "rootDisk: give exactly one source; found %s [rule: root-disk-source]" (join ", " $sources)) -}}
{{- end -}}
{{- if not $r.containerDisk -}}
{{- $e = concat $e (include "kvedge.validate.quantity" (dict "path" "rootDisk.size" "value" $r.size "min" 2147483648 "max" 70368744177664 "range" "2Gi and 64Ti") | fromJsonArray) -}}
{{- end -}}
{{- $e = concat $e (include "kvedge.validate.quantity" (dict "path" "dataDisk.size" "value" $v.dataDisk.size "min" 1073741824 "max" 70368744177664 "range" "1Gi and 64Ti") | fromJsonArray) -}}
{{- if eq (toString $v.evictionStrategy) "LiveMigrate" -}}
{{- if and (not $r.containerDisk) (ne (toString $r.accessMode) "ReadWriteMany") -}}
{{- $e = append $e "rootDisk.accessMode: evictionStrategy LiveMigrate needs accessMode ReadWriteMany on the root disk [rule: live-migration-rwx]" -}}
{{- end -}}
{{- if ne (toString $v.dataDisk.accessMode) "ReadWriteMany" -}}
{{- $e = append $e "dataDisk.accessMode: evictionStrategy LiveMigrate needs accessMode ReadWriteMany on the data disk [rule: live-migration-rwx]" -}}
{{- end -}}
{{- end -}}
{{- $e = concat $e (include "kvedge.validate.ssh" $v | fromJsonArray) -}}
{{- $e = concat $e (include "kvedge.validate.expose" $v | fromJsonArray) -}}
{{- if $v.iotEdge -}}
{{- $e = concat $e (include "kvedge.validate.iotedge" (dict "v" $v "name" $name) | fromJsonArray) -}}
{{- end -}}
{{- if $e -}}
{{- fail (printf "\n%s" (join "\n" $e)) -}}
{{- end -}}
{{- end -}}

{{/* A quantity's bytes between min and max: (dict "path" "value" "min" "max" "range"). The schema checked its grammar. */}}
{{- define "kvedge.validate.quantity" -}}
{{- $out := list -}}
{{- $q := toString .value -}}
{{- $number := regexFind "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)" $q -}}
{{- $suffix := trimPrefix $number $q -}}
{{- $units := dict "" 1.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 "n" 0.000000001 "u" 0.000001 "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "P" 1000000000000000.0 "E" 1000000000000000000.0 -}}
{{- $bytes := 0.0 -}}
{{- if hasKey $units $suffix -}}
{{- $bytes = mulf (float64 $number) (get $units $suffix) -}}
{{- else -}}
{{- $bytes = float64 $q -}}
{{- end -}}
{{- if or (lt $bytes (float64 .min)) (gt $bytes (float64 .max)) -}}
{{- $out = append $out (printf "%s: must be between %s [rule: range]" .path .range) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* SSH keys: the body is base64 of the named type, RSA has at least 2048 bits, no key twice. */}}
{{- define "kvedge.validate.ssh" -}}
{{- $out := list -}}
{{- $seen := dict -}}
{{- range $i, $key := (default list .ssh.authorizedKeys) -}}
{{- $path := printf "ssh.authorizedKeys[%d]" $i -}}
{{- $parts := splitList " " (trim (toString $key)) -}}
{{- if ge (len $parts) 2 -}}
{{- $type := index $parts 0 -}}
{{- $body := index $parts 1 -}}
{{- $decoded := b64dec $body -}}
{{- if ne (b64enc $decoded) $body -}}
{{- $out = append $out (printf "%s: the key body is not valid base64 [rule: ssh-public-key]" $path) -}}
{{- else if or (lt (len $decoded) (add 4 (len $type))) (ne (substr 4 (int (add 4 (len $type))) $decoded) $type) -}}
{{- $out = append $out (printf "%s: the key body is not a %s key [rule: ssh-public-key]" $path $type) -}}
{{- else if and (eq $type "ssh-rsa") (lt (len $body) 360) -}}
{{- $out = append $out (printf "%s: an RSA key needs at least 2048 bits [rule: ssh-public-key]" $path) -}}
{{- else if hasKey $seen $body -}}
{{- $out = append $out (printf "%s: the same key is already given as authorizedKeys[%v] [rule: ssh-public-key]" $path (get $seen $body)) -}}
{{- else -}}
{{- $_ := set $seen $body $i -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Service ports: unique names and port/protocol pairs (ssh is 22/TCP), never KubeVirt's migration ports, CIDRs. */}}
{{- define "kvedge.validate.expose" -}}
{{- $out := list -}}
{{- $x := .expose -}}
{{- if ne (toString $x.type) "None" -}}
{{- $names := dict "ssh" "expose.sshPort" -}}
{{- $ports := dict (printf "%v/TCP" (int $x.sshPort)) "expose.sshPort" -}}
{{- range $i, $p := (default list $x.ports) -}}
{{- $path := printf "expose.ports[%d]" $i -}}
{{- $protocol := default "TCP" $p.protocol -}}
{{- if and $p.name (hasKey $names $p.name) -}}
{{- $out = append $out (printf "%s.name: is already used by %s [rule: duplicate-port]" $path (get $names $p.name)) -}}
{{- else if $p.name -}}
{{- $_ := set $names $p.name $path -}}
{{- end -}}
{{- $pp := printf "%v/%s" (int $p.port) $protocol -}}
{{- if hasKey $ports $pp -}}
{{- $out = append $out (printf "%s.port: %s is already used by %s [rule: duplicate-port]" $path $pp (get $ports $pp)) -}}
{{- else -}}
{{- $_ := set $ports $pp $path -}}
{{- end -}}
{{- $target := int (default $p.port $p.targetPort) -}}
{{- if or (eq $target 49152) (eq $target 49153) -}}
{{- $out = append $out (printf "%s.%s: guest ports 49152 and 49153 are reserved by KubeVirt for live migration [rule: migration-port]" $path (ternary "targetPort" "port" (not (empty $p.targetPort)))) -}}
{{- end -}}
{{- end -}}
{{- range $i, $cidr := (default list $x.loadBalancerSourceRanges) -}}
{{- if regexMatch "^[0-9]+(\\.[0-9]+){3}/[0-9]+$" $cidr -}}
{{- $bits := splitList "/" $cidr -}}
{{- $bad := gt (atoi (index $bits 1)) 32 -}}
{{- range $octet := splitList "." (index $bits 0) -}}{{- if gt (atoi $octet) 255 -}}{{- $bad = true -}}{{- end -}}{{- end -}}
{{- if $bad -}}
{{- $out = append $out (printf "expose.loadBalancerSourceRanges[%d]: is not a CIDR such as 10.0.0.0/8 [rule: cidr]" $i) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* IoT Edge: provisioning completeness, nested mode, hostnames, proxy, repository options, credentials by mode. */}}
{{- define "kvedge.validate.iotedge" -}}
{{- $out := list -}}
{{- $v := .v -}}
{{- $iot := $v.iotEdge -}}
{{- $p := default dict $iot.provisioning -}}
{{- $c := default dict $iot.credentials -}}
{{- $verbatim := not (empty $c.configToml) -}}
{{- if $verbatim -}}
{{- if not (regexMatch "(?m)^\\s*\\[provisioning\\]" $c.configToml) -}}
{{- $out = append $out "iotEdge.credentials.configToml: configToml (azIotEdgeConfig) has no [provisioning] table with a source [rule: config-toml]" -}}
{{- end -}}
{{- else if not $p.source -}}
{{- $out = append $out "iotEdge.provisioning.source: is required: manual or dps [rule: required]" -}}
{{- else if not $p.method -}}
{{- $out = append $out "iotEdge.provisioning.method: is required [rule: required]" -}}
{{- end -}}
{{- if and $iot.parentHostname (eq (toString $p.source) "dps") -}}
{{- $out = append $out "iotEdge.parentHostname: DPS provisioning is not supported in nested mode (aziot refuses it); use manual provisioning for a child device [rule: nested-dps]" -}}
{{- end -}}
{{- $vmHostname := default .name $v.hostname -}}
{{- if and $iot.hostname (ne (lower (first (splitList "." $iot.hostname))) (lower $vmHostname)) -}}
{{- $out = append $out "iotEdge.hostname: must be the VM's hostname or an FQDN starting with it (`iotedge check` fails otherwise) [rule: hostname]" -}}
{{- end -}}
{{- if and $iot.agent $iot.agent.image (hasPrefix "$upstream" $iot.agent.image) (not $iot.parentHostname) -}}
{{- $out = append $out "iotEdge.agent.image: $upstream needs parentHostname (it is replaced by the parent's address) [rule: image-reference]" -}}
{{- end -}}
{{- if and $iot.proxy $iot.proxy.httpsProxy (contains "@" $iot.proxy.httpsProxy) -}}
{{- $out = append $out "iotEdge.proxy.httpsProxy: must not carry user:password@ (it would be written to the ConfigMap and the guest's unit files); use a proxy that admits the device by address [rule: credential-in-url]" -}}
{{- else if and $iot.proxy $iot.proxy.httpsProxy (not (regexMatch "^http://[A-Za-z0-9.-]+:[0-9]{1,5}/?$" $iot.proxy.httpsProxy)) -}}
{{- $out = append $out "iotEdge.proxy.httpsProxy: must be http://host:port (IoT Edge talks plain HTTP to the proxy) [rule: proxy]" -}}
{{- end -}}
{{- $repo := default dict $iot.packageRepository -}}
{{- if and $repo.url (not $repo.suite) -}}
{{- $out = append $out "iotEdge.packageRepository.suite: is required with url (the distribution, e.g. noble or bookworm) [rule: required]" -}}
{{- else if and $repo.suite (not $repo.url) -}}
{{- $out = append $out "iotEdge.packageRepository.suite: only applies with url [rule: repository]" -}}
{{- end -}}
{{- if and $repo.trusted $repo.signingKey -}}
{{- $out = append $out "iotEdge.packageRepository.trusted: a trusted (unsigned) repository takes no signingKey [rule: repository]" -}}
{{- else if and $repo.trusted (not $repo.url) -}}
{{- $out = append $out "iotEdge.packageRepository.trusted: only a repository you name (url) can be trusted unsigned [rule: repository]" -}}
{{- end -}}
{{- if and $iot.trustBundle (or (not (contains "-----BEGIN CERTIFICATE-----" $iot.trustBundle)) (contains "PRIVATE KEY" $iot.trustBundle)) -}}
{{- $out = append $out "iotEdge.trustBundle: the trust bundle is not a PEM certificate (or holds a private key) [rule: certificate]" -}}
{{- end -}}
{{- if and $c.existingSecretHasEdgeCa (not $c.existingSecret) -}}
{{- $out = append $out "iotEdge.credentials.existingSecretHasEdgeCa: only applies with existingSecret [rule: credential-source]" -}}
{{- end -}}
{{- with $iot.registration -}}
{{- $r := . -}}
{{- $base := or (not $r.baseDeployment) (not (hasKey $r.baseDeployment "enabled")) $r.baseDeployment.enabled -}}
{{- if $verbatim -}}
{{- $out = append $out "iotEdge.registration: needs spec.iotEdge.provisioning to know the identity to register; a verbatim configToml carries its own [rule: registration]" -}}
{{- else if eq (toString $p.source) "manual" -}}
{{- if not $r.iotHub -}}
{{- $out = append $out "iotEdge.registration.iotHub: is required for source manual: the hub the device's identity is made in [rule: required]" -}}
{{- end -}}
{{- if $r.dps -}}
{{- $out = append $out "iotEdge.registration.dps: only applies to source dps [rule: registration]" -}}
{{- end -}}
{{- if eq (toString $p.method) "connectionString" -}}
{{- $out = append $out "iotEdge.provisioning.method: connectionString cannot be registered (the hub makes the key the string would carry); use method symmetricKey with iothubHostname and deviceId [rule: registration]" -}}
{{- end -}}
{{- if and $r.iotHub $r.iotHub.hostname $p.iothubHostname (ne (lower $r.iotHub.hostname) (lower $p.iothubHostname)) -}}
{{- $out = append $out "iotEdge.registration.iotHub.hostname: must be the hub the device connects to, spec.iotEdge.provisioning.iothubHostname [rule: registration]" -}}
{{- end -}}
{{- else if eq (toString $p.source) "dps" -}}
{{- if not $r.dps -}}
{{- $out = append $out "iotEdge.registration.dps: is required for source dps: the DPS instance the device's enrollment is made in [rule: required]" -}}
{{- end -}}
{{- if eq (toString $p.enrollment) "group" -}}
{{- $out = append $out "iotEdge.provisioning.enrollment: kvedge registers individual enrollments only; create the enrollment group yourself and remove registration [rule: registration]" -}}
{{- end -}}
{{- if and $base (not $r.iotHub) -}}
{{- $out = append $out "iotEdge.registration.iotHub: the base deployment is made in the hub DPS assigns the device to: set registration.iotHub, or baseDeployment.enabled: false [rule: required]" -}}
{{- end -}}
{{- end -}}
{{- with $r.iotHub -}}
{{- if and .parentDeviceId (not $iot.parentHostname) -}}
{{- $out = append $out "iotEdge.registration.iotHub.parentDeviceId: only applies to a nested device (spec.iotEdge.parentHostname) [rule: registration]" -}}
{{- else if and .parentDeviceId (eq (toString .parentDeviceId) (toString $p.deviceId)) -}}
{{- $out = append $out "iotEdge.registration.iotHub.parentDeviceId: must name the parent gateway, not the device itself [rule: registration]" -}}
{{- else if and (not .parentDeviceId) $iot.parentHostname (eq (toString $p.source) "manual") -}}
{{- $out = append $out "iotEdge.registration.iotHub.parentDeviceId: is required for a nested device: the parent gateway's device id [rule: required]" -}}
{{- end -}}
{{- end -}}
{{- range $svc := list "iotHub" "dps" -}}
{{- $s := get $r $svc -}}
{{- if and $s $s.auth (hasKey $s.auth "sasSecretRef") (hasKey $s.auth "entra") -}}
{{- $out = append $out (printf "iotEdge.registration.%s.auth: give one of sasSecretRef (a shared access policy's key) and entra (Entra ID), not both [rule: one-of]" $svc) -}}
{{- else if and $s (not (and $s.auth (or $s.auth.sasSecretRef (hasKey $s.auth "entra")))) -}}
{{- $out = append $out (printf "iotEdge.registration.%s.auth.sasSecretRef: is required: the Secret holding a shared access policy's key (name, key, policyName), or entra: {} for Entra ID [rule: required]" $svc) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $given := list -}}
{{- range $k := list "connectionString" "symmetricKey" "identityCert" "identityKey" "edgeCaCert" "edgeCaKey" -}}
{{- if get $c $k -}}{{- $given = append $given $k -}}{{- end -}}
{{- end -}}
{{- if $c.existingSecret -}}
{{- range $k := $given -}}
{{- $out = append $out (printf "iotEdge.credentials.%s: existingSecret supplies the credentials; do not give %s as well [rule: credential-source]" $k $k) -}}
{{- end -}}
{{- else if and (not $verbatim) $p.source $p.method -}}
{{- $mode := printf "%s/%s" $p.source $p.method -}}
{{- $needs := get (dict "manual/connectionString" (list "connectionString") "manual/symmetricKey" (list "symmetricKey") "manual/x509" (list "identityCert" "identityKey") "dps/symmetricKey" (list "symmetricKey") "dps/x509" (list "identityCert" "identityKey") "dps/tpm" list) $mode -}}
{{- range $k := $needs -}}
{{- if not (has $k $given) -}}
{{- if and $iot.registration (eq $k "symmetricKey") (ne (toString $p.enrollment) "group") -}}
{{- $out = append $out "iotEdge.credentials.symmetricKey: with registration, helm cannot receive the key the service generates: set existingSecret (kvedge register writes the key there) or give symmetricKey [rule: credential-missing]" -}}
{{- else -}}
{{- $out = append $out (printf "iotEdge.credentials.%s: %s %s needs %s: --set-file iotEdge.credentials.%s=FILE or existingSecret [rule: credential-missing]" $k $p.source $p.method $k $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $k := $given -}}
{{- if and (not (has $k $needs)) (not (hasPrefix "edgeCa" $k)) -}}
{{- $out = append $out (printf "iotEdge.credentials.%s: %s %s does not use %s [rule: credential-unused]" $k $p.source $p.method $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $c.edgeCaCert (not $c.edgeCaKey) -}}
{{- $out = append $out "iotEdge.credentials.edgeCaKey: the Edge CA needs both edgeCaCert and edgeCaKey [rule: credential-missing]" -}}
{{- else if and $c.edgeCaKey (not $c.edgeCaCert) -}}
{{- $out = append $out "iotEdge.credentials.edgeCaCert: the Edge CA needs both edgeCaCert and edgeCaKey [rule: credential-missing]" -}}
{{- end -}}
{{- if and $iot.edgeCaAutoGeneratedExpiryDays (or $c.edgeCaCert $c.existingSecretHasEdgeCa) -}}
{{- $out = append $out "iotEdge.edgeCaAutoGeneratedExpiryDays: only applies to the quickstart Edge CA; an Edge CA certificate is given [rule: edge-ca]" -}}
{{- end -}}
{{- range $k := list "identityCert" "edgeCaCert" -}}
{{- with get $c $k -}}
{{- if or (not (contains "-----BEGIN CERTIFICATE-----" .)) (contains "PRIVATE KEY" .) -}}
{{- $out = append $out (printf "iotEdge.credentials.%s: %s is not a PEM certificate (or holds a private key) [rule: certificate]" $k $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $k := list "identityKey" "edgeCaKey" -}}
{{- with get $c $k -}}
{{- if or (not (regexMatch "-----BEGIN (RSA |EC )?PRIVATE KEY-----" .)) (contains "CERTIFICATE" .) -}}
{{- $out = append $out (printf "iotEdge.credentials.%s: %s is not a PEM private key (an unencrypted PKCS#8, RSA or EC key) [rule: private-key]" $k $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with $c.symmetricKey -}}
{{- $problem := include "kvedge.validate.key" (trim .) -}}
{{- if $problem -}}
{{- $out = append $out (printf "iotEdge.credentials.symmetricKey: the symmetric key %s [rule: symmetric-key]" $problem) -}}
{{- end -}}
{{- end -}}
{{- with $c.connectionString -}}
{{- range $problem := include "kvedge.validate.connectionstring" (trim .) | fromJsonArray -}}
{{- $out = append $out (printf "iotEdge.credentials.connectionString: %s [rule: connection-string]" $problem) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Why a base64 key is not 16 to 64 bytes of strict base64 (padding optional, as the runtime allows), or nothing. */}}
{{- define "kvedge.validate.key" -}}
{{- $k := . -}}
{{- $padded := $k -}}
{{- $rest := mod (len $k) 4 -}}
{{- if eq $rest 2 -}}{{- $padded = printf "%s==" $k -}}{{- else if eq $rest 3 -}}{{- $padded = printf "%s=" $k -}}{{- end -}}
{{- if or (not (regexMatch "^[A-Za-z0-9+/]+={0,2}$" $padded)) (eq $rest 1) (ne (b64enc (b64dec $padded)) $padded) -}}
is not valid base64
{{- else -}}
{{- $n := len (b64dec $padded) -}}
{{- if or (lt $n 16) (gt $n 64) -}}
{{- printf "decodes to %d bytes; IoT Hub and DPS keys are 16 to 64 bytes" $n -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* An IoT Hub device connection string, as src/KVEdge.Core/Validation/Credentials/ConnectionString.cs reads it. */}}
{{- define "kvedge.validate.connectionstring" -}}
{{- $out := list -}}
{{- if regexMatch "[\\x00-\\x1f\"\\\\]" . -}}
{{- $out = append $out "must be one line without quotes or backslashes" -}}
{{- else -}}
{{- $parts := dict -}}
{{- $malformed := false -}}
{{- range $part := splitList ";" . -}}
{{- if $part -}}
{{- $kv := splitn "=" 2 $part -}}
{{- if or (not (contains "=" $part)) (not $kv._0) -}}
{{- $malformed = true -}}
{{- else if ne $kv._0 (trim $kv._0) -}}
{{- $out = append $out "a part has spaces around its name" -}}
{{- else if hasKey $parts $kv._0 -}}
{{- $out = append $out (printf "%s is given twice" $kv._0) -}}
{{- else -}}
{{- $_ := set $parts $kv._0 $kv._1 -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $malformed -}}
{{- $out = list "every part must be Key=Value, separated by ';'" -}}
{{- else -}}
{{- if hasKey $parts "SharedAccessKeyName" -}}{{- $out = append $out "this is an IoT Hub policy connection string (SharedAccessKeyName); use the edge device's own connection string" -}}{{- end -}}
{{- if hasKey $parts "ModuleId" -}}{{- $out = append $out "this is a module connection string (ModuleId); use the edge device's connection string" -}}{{- end -}}
{{- if eq (lower (toString (get $parts "x509"))) "true" -}}{{- $out = append $out "this is an X.509 device connection string; use method x509 with identityCert and identityKey" -}}{{- end -}}
{{- if hasKey $parts "GatewayHostName" -}}{{- $out = append $out "GatewayHostName is for leaf devices; an edge device's parent goes in iotEdge.parentHostname" -}}{{- end -}}
{{- range $k, $_ := $parts -}}
{{- if not (has $k (list "HostName" "DeviceId" "SharedAccessKey" "SharedAccessKeyName" "ModuleId" "x509" "GatewayHostName")) -}}
{{- $out = append $out "it has an unknown part (the runtime matches HostName, DeviceId and SharedAccessKey case-sensitively)" -}}
{{- end -}}
{{- end -}}
{{- range $k := list "HostName" "DeviceId" "SharedAccessKey" -}}
{{- if not (get $parts $k) -}}{{- $out = append $out (printf "required part %s is missing" $k) -}}{{- end -}}
{{- end -}}
{{- with get $parts "HostName" -}}
{{- if not (regexMatch "^[A-Za-z0-9][A-Za-z0-9-]{1,48}[A-Za-z0-9]\\.azure-devices\\.(net|cn|us)$" .) -}}
{{- $out = append $out "HostName must be an IoT Hub host name: NAME.azure-devices.net (or .cn, .us)" -}}
{{- end -}}
{{- end -}}
{{- with get $parts "DeviceId" -}}
{{- if or (regexMatch "[;+#]" .) (not (regexMatch "^[A-Za-z0-9\\-.%_*?!(),:=@$']{1,128}$" .)) -}}
{{- $out = append $out "DeviceId must be 1-128 characters: letters, digits and - . % _ * ? ! ( ) , : = @ $ ' (never + or #)" -}}
{{- end -}}
{{- end -}}
{{- with get $parts "SharedAccessKey" -}}
{{- $problem := include "kvedge.validate.key" . -}}
{{- if $problem -}}{{- $out = append $out (printf "SharedAccessKey %s" $problem) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (uniq $out) -}}
{{- end -}}
