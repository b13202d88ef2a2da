#!/usr/bin/python3
"""Presents a rendered VirtualMachine to a local qemu guest the way KubeVirt would, and prints qemu's argv.

Every byte the guest gets comes from the objects `kvedge template -o json` rendered:
  * cloudInitNoCloud -> a `cidata` ISO: user-data (and network-config) from the referenced Secret, and KubeVirt's
    meta-data JSON (instance-id = the firmware UUID, local-hostname = spec.hostname or the VM name up to the first dot);
    built with KubeVirt's own xorrisofs flags (pkg/cloud-init/cloud-init.go);
  * configMap / secret volumes -> ISOs laid out like kubelet's volume in the virt-launcher pod (`..<timestamp>/`,
    `..data`, one link per key), built with the flags of pkg/config/config.go, label volumeLabel or `cfgdata`;
  * a blank DataVolume -> a sparse raw disk of the requested size (capped at 2 GiB), kept across runs by claim name;
  * the boot disk (bootOrder 1) -> a qcow2 overlay on the base image, standing in for the imported root disk;
  * disks in spec order on virtio-blk with their serials (by-id virtio-<serial>), the interface's MAC on virtio-net,
    SMBIOS manufacturer/family KubeVirt with the firmware UUID, virtio-rng when devices.rng is set, the guest agent
    channel org.qemu.guest_agent.0;
  * devices.tpm -> a TPM 2.0 from swtpm (the harness runs it on --tpm-socket; its state folder plays the persistent
    vTPM's PVC), as tpm-crb when persistent and tpm-tis otherwise, as KubeVirt's TPMDomainConfigurator does
    (kubevirt/kubevirt pkg/virt-launcher/virtwrap/converter: model tpm-tis, "tpm-crb ... since there was a desire
    for both" with persistent state).
Not emulated (a test double for KubeVirt, not KubeVirt): TCG instead of KVM, direct kernel boot instead of the
firmware, qemu user networking (restrict=on) instead of the pod network.

    kubevirt_present.py --objects RENDERED.json --vm NAME --work DIR --base-image DIR --root-overlay FILE
                        --ssh-port PORT [--netdev-extra OPTS] [--serial-log FILE] [--qga-socket SOCK]
                        [--tpm-socket SOCK]
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys

MAX_MEMORY_MIB = 2048
MAX_CPUS = 2
MAX_BLANK_BYTES = 2 * 1024**3
KUBELET_TIMESTAMP = "..2026_01_01_00_00_00.000000000"


def quantity_bytes(text: str) -> int:
    units = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4, "k": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", text)
    if not match or (match.group(2) and match.group(2) not in units):
        raise SystemExit(f"kubevirt_present: unsupported quantity {text!r}")
    return int(float(match.group(1)) * units.get(match.group(2), 1))


def secret_data(obj: dict) -> dict:
    data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    data.update({k: v.encode() for k, v in (obj.get("stringData") or {}).items()})
    return data


def configmap_data(obj: dict) -> dict:
    data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
    data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    return data


def find(objects: list, kind: str, name: str) -> dict:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise SystemExit(f"kubevirt_present: the VM refers to {kind} {name}, which was not rendered")


def run(*argv: str) -> None:
    result = subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"kubevirt_present: {argv[0]} failed: {result.stderr.strip()}")


def cidata_iso(path: str, work: str, user_data: bytes, meta_data: dict, network_config: bytes | None) -> None:
    folder = os.path.join(work, "cidata")
    os.makedirs(folder, exist_ok=True)
    files = {"user-data": user_data, "meta-data": json.dumps(meta_data).encode()}
    if network_config is not None:
        files["network-config"] = network_config
    for name, content in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(content)
        os.chmod(os.path.join(folder, name), 0o600)
    if os.path.exists(path):
        os.remove(path)
    run("xorrisofs", "-output", path, "-volid", "cidata", "-joliet", "-rock", "-partition_cyl_align", "on",
        *[os.path.join(folder, name) for name in files])


def config_iso(path: str, work: str, volume: str, data: dict, label: str) -> None:
    folder = os.path.join(work, "volumes", volume)
    subprocess.run(["rm", "-rf", folder], check=True)
    payload = os.path.join(folder, KUBELET_TIMESTAMP)
    os.makedirs(payload)
    for key, content in sorted(data.items()):
        with open(os.path.join(payload, key), "wb") as f:
            f.write(content)
        os.chmod(os.path.join(payload, key), 0o644)
    os.symlink(KUBELET_TIMESTAMP, os.path.join(folder, "..data"))
    for key in data:
        os.symlink(os.path.join("..data", key), os.path.join(folder, key))
    if os.path.exists(path):
        os.remove(path)
    run("xorrisofs", "-output", path, "-follow-links", "-volid", label, "-joliet", "-rock", "-graft-points",
        "-partition_cyl_align", "on", folder)


def main() -> int:
    parser = argparse.ArgumentParser()
    for option in ("--objects", "--vm", "--work", "--base-image", "--root-overlay", "--ssh-port"):
        parser.add_argument(option, required=True)
    parser.add_argument("--netdev-extra", default="")
    parser.add_argument("--serial-log", default="")
    parser.add_argument("--qga-socket", default="")
    parser.add_argument("--tpm-socket", default="")
    args = parser.parse_args()

    with open(args.objects, encoding="utf-8") as f:
        rendered = json.load(f)
    objects = rendered["items"] if rendered.get("kind") == "List" else [rendered]
    vm = find(objects, "VirtualMachine", args.vm)
    namespace = vm["metadata"].get("namespace", "default")
    spec = vm["spec"]["template"]["spec"]
    domain = spec["domain"]
    devices = domain.get("devices", {})
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    uuid = domain.get("firmware", {}).get("uuid")
    if not uuid:
        raise SystemExit("kubevirt_present: the VM has no firmware.uuid (kvedge always renders one)")
    hostname = spec.get("hostname") or vm["metadata"]["name"].split(".")[0][:63]
    os.makedirs(os.path.join(args.work, "disks"), exist_ok=True)

    cpu = domain.get("cpu", {})
    cpus = min(MAX_CPUS, cpu.get("cores", 1) * cpu.get("sockets", 1) * cpu.get("threads", 1))
    memory = domain.get("memory", {}).get("guest") or domain.get("resources", {}).get("requests", {}).get("memory", "1Gi")
    memory_mib = min(MAX_MEMORY_MIB, quantity_bytes(memory) // 1024**2)

    argv = [
        "qemu-system-x86_64", "-machine", "q35,accel=tcg", "-cpu", "max", "-smp", str(cpus), "-m", str(memory_mib),
        "-no-reboot", "-display", "none", "-monitor", "none",
        "-kernel", os.path.join(args.base_image, "vmlinuz"), "-initrd", os.path.join(args.base_image, "initrd.img"),
        "-append", "root=LABEL=root rw console=ttyS0 panic=-1",
        "-uuid", uuid, "-smbios", f"type=1,manufacturer=KubeVirt,product=None,family=KubeVirt,uuid={uuid}",
    ]
    if args.serial_log:
        argv += ["-serial", f"file:{args.serial_log}"]

    interfaces = devices.get("interfaces", [])
    mac = interfaces[0].get("macAddress") if interfaces else None
    netdev = (f"user,id=net0,restrict=on,net=10.0.2.0/24,host=10.0.2.1,dhcpstart=10.0.2.2,hostname={hostname},"
              f"domainname={namespace}.svc.cluster.local,hostfwd=tcp:127.0.0.1:{args.ssh_port}-:22")
    if args.netdev_extra:
        netdev += "," + args.netdev_extra
    argv += ["-netdev", netdev, "-device", "virtio-net-pci,netdev=net0" + (f",mac={mac}" if mac else "")]
    if args.qga_socket:
        argv += ["-device", "virtio-serial-pci", "-chardev", f"socket,id=qga0,path={args.qga_socket},server=on,wait=off",
                 "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0"]

    for disk in devices.get("disks", []):
        name = disk["name"]
        volume = volumes.get(name)
        if volume is None:
            raise SystemExit(f"kubevirt_present: disk {name} has no volume")
        bus = disk.get("disk", {}).get("bus", "sata")
        if bus != "virtio":
            raise SystemExit(f"kubevirt_present: disk {name} is on bus {bus}; KubeVirt's default sata is invisible to "
                             "the cloud kernel, so kvedge renders virtio")
        fmt, readonly = "raw", False
        if "dataVolume" in volume or "persistentVolumeClaim" in volume:
            claim = volume["dataVolume"]["name"] if "dataVolume" in volume else volume["persistentVolumeClaim"]["claimName"]
            if disk.get("bootOrder") == 1:
                path, fmt = args.root_overlay, "qcow2"
                if not os.path.exists(path):
                    run("qemu-img", "create", "-f", "qcow2", "-b", os.path.join(os.path.abspath(args.base_image), "root.qcow2"),
                        "-F", "qcow2", path)
            else:
                dv = find(objects, "DataVolume", claim)
                if "blank" not in dv["spec"].get("source", {}):
                    raise SystemExit(f"kubevirt_present: only blank DataVolumes besides the boot disk are emulated ({claim})")
                size = min(MAX_BLANK_BYTES, quantity_bytes(dv["spec"]["storage"]["resources"]["requests"]["storage"]))
                path = os.path.join(args.work, "disks", f"{claim}.raw")
                if not os.path.exists(path):
                    with open(path, "wb") as f:
                        f.truncate(size)
        elif "cloudInitNoCloud" in volume:
            source = volume["cloudInitNoCloud"]
            if "secretRef" in source:
                data = secret_data(find(objects, "Secret", source["secretRef"]["name"]))
                user_data = data.get("userdata", data.get("userData"))
            else:
                user_data = (source.get("userData") or base64.b64decode(source.get("userDataBase64", "")).decode()).encode()
            network = None
            if "networkDataSecretRef" in source:
                data = secret_data(find(objects, "Secret", source["networkDataSecretRef"]["name"]))
                network = data.get("networkdata", data.get("networkData"))
            elif "networkData" in source:
                network = source["networkData"].encode()
            path = os.path.join(args.work, f"{name}.iso")
            cidata_iso(path, args.work, user_data, {"instance-id": uuid, "local-hostname": hostname}, network)
            readonly = True
        elif "configMap" in volume or "secret" in volume:
            if "configMap" in volume:
                source = volume["configMap"]
                data = configmap_data(find(objects, "ConfigMap", source["name"]))
            else:
                source = volume["secret"]
                data = secret_data(find(objects, "Secret", source["secretName"]))
            path = os.path.join(args.work, f"{name}.iso")
            config_iso(path, args.work, name, data, source.get("volumeLabel", "cfgdata"))
            readonly = True
        else:
            raise SystemExit(f"kubevirt_present: volume type of {name} is not emulated: {sorted(volume)}")
        drive = f"file={path},if=none,id=drive-{name},format={fmt}" + (",readonly=on" if readonly else "")
        device = f"virtio-blk-pci,drive=drive-{name}" + (f",serial={disk['serial']}" if "serial" in disk else "")
        if "bootOrder" in disk:
            device += f",bootindex={disk['bootOrder']}"
        argv += ["-drive", drive, "-device", device]

    if "rng" in devices:
        argv += ["-device", "virtio-rng-pci"]
    if "tpm" in devices:
        if not args.tpm_socket:
            raise SystemExit("kubevirt_present: the VM has a TPM; start swtpm and pass --tpm-socket")
        model = "tpm-crb" if devices["tpm"].get("persistent") else "tpm-tis"
        argv += ["-chardev", f"socket,id=chrtpm,path={args.tpm_socket}", "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                 "-device", f"{model},tpmdev=tpm0"]
    print("\n".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
