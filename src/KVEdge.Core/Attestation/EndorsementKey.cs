using System.Buffers.Binary;
using System.Security.Cryptography;

namespace KVEdge.Core.Attestation;

/// <summary>
/// A TPM 2.0 endorsement key's public part as DPS takes it for a TPM individual enrollment: the marshalled
/// TPM2B_PUBLIC (what `tpm2_readpublic -o` writes in its default "tss" format), in base64, and the registration ID
/// Microsoft's guide derives from it, the SHA-256 of those bytes in lower-case hex
/// (learn.microsoft.com/azure/iot-edge/how-to-provision-devices-at-scale-linux-tpm, "Retrieve provisioning
/// information for your TPM"; the layout: TCG TPM 2.0 Library, Part 2 Structures, 12.2.4 TPMT_PUBLIC and 12.2.5
/// TPM2B_PUBLIC).
/// </summary>
public sealed record EndorsementKey(byte[] Public, string Algorithm, int KeyBits, uint Attributes)
{
    private const ushort AlgRsa = 0x0001;
    private const ushort AlgEcc = 0x0023;
    private const ushort AlgNull = 0x0010;

    // TPMA_OBJECT (Part 2, 8.3): an endorsement key is a restricted decryption (storage) key.
    private const uint Restricted = 1u << 16;
    private const uint Decrypt = 1u << 17;

    /// <summary>The EK as DPS's attestation.tpm.endorsementKey takes it.</summary>
    public string Base64 => Convert.ToBase64String(Public);

    /// <summary>The registration ID Microsoft's guide gives a TPM device: sha256(EK) in lower-case hex.</summary>
    public string RegistrationId => Convert.ToHexStringLower(SHA256.HashData(Public));

    /// <summary>Reads a TPM2B_PUBLIC; null with the reason when the bytes are not a whole RSA or ECC endorsement key.</summary>
    public static EndorsementKey? Parse(ReadOnlySpan<byte> bytes, out string? error)
    {
        try
        {
            var key = Read(bytes);
            error = null;
            return key;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static EndorsementKey Read(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        var size = reader.U16();
        if (size != bytes.Length - 2)
        {
            throw new FormatException($"a TPM2B_PUBLIC of {bytes.Length} bytes says it holds {size}");
        }

        var type = reader.U16();
        reader.U16(); // nameAlg
        var attributes = reader.U32();
        reader.Sized(); // authPolicy
        // TPMT_SYM_DEF_OBJECT: an algorithm, then its key bits and mode unless it is TPM_ALG_NULL.
        if (reader.U16() != AlgNull)
        {
            reader.U16();
            reader.U16();
        }

        string algorithm;
        int keyBits;
        switch (type)
        {
            case AlgRsa:
                Scheme(ref reader);
                keyBits = reader.U16();
                reader.U32(); // exponent (0: the default, 65537)
                var modulus = reader.Sized();
                if (modulus * 8 != keyBits)
                {
                    throw new FormatException($"an RSA key of {keyBits} bits with a modulus of {modulus} bytes");
                }

                algorithm = "rsa";
                break;
            case AlgEcc:
                Scheme(ref reader);
                var curve = reader.U16();
                keyBits = curve switch
                {
                    0x0003 => 256,
                    0x0004 => 384,
                    0x0005 => 521,
                    _ => throw new FormatException($"an ECC key on curve 0x{curve:x4}, not a NIST curve"),
                };
                Scheme(ref reader); // kdf
                reader.Sized();
                reader.Sized();
                algorithm = "ecc";
                break;
            default:
                throw new FormatException($"a key of type 0x{type:x4}, neither RSA (0x0001) nor ECC (0x0023)");
        }

        if (!reader.AtEnd)
        {
            throw new FormatException($"{reader.Remaining} bytes after the key");
        }

        if ((attributes & (Restricted | Decrypt)) != (Restricted | Decrypt))
        {
            throw new FormatException($"object attributes 0x{attributes:x8} are not an endorsement key's (restricted, decrypt)");
        }

        return new EndorsementKey(bytes.ToArray(), algorithm, keyBits, attributes);
    }

    // TPMT_RSA_SCHEME, TPMT_ECC_SCHEME and TPMT_KDF_SCHEME: a scheme, then its hash unless it is TPM_ALG_NULL
    // (ECDAA adds a count).
    private static void Scheme(ref Reader reader)
    {
        var scheme = reader.U16();
        if (scheme == AlgNull)
        {
            return;
        }

        reader.U16();
        if (scheme == 0x001A)
        {
            reader.U16();
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly bool AtEnd => _at == _bytes.Length;

        public readonly int Remaining => _bytes.Length - _at;

        public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        /// <summary>A TPM2B: its size, then that many bytes (skipped); returns the size.</summary>
        public int Sized()
        {
            int size = U16();
            Take(size);
            return size;
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > Remaining)
            {
                throw new FormatException($"the key ends early ({_bytes.Length} bytes)");
            }

            var span = _bytes.Slice(_at, count);
            _at += count;
            return span;
        }
    }
}
