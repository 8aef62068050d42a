using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Tier2.Functions.Security;

/// <summary>
/// Envelope encryption of Data Protection keys: each key element is encrypted with a fresh AES-256-GCM data key,
/// and that data key is wrapped by the Key Vault key named in <c>DataProtection__KeyVaultKeyId</c>.
/// </summary>
public sealed class KeyVaultXmlEncryptor(KeyVaultKeyWrapper wrapper) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
            var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
            var tag = new byte[AesGcm.TagByteSizes.MaxSize];
            var ciphertext = new byte[plaintext.Length];
            using (var aes = new AesGcm(dataKey, tag.Length))
            {
                aes.Encrypt(nonce, plaintext, ciphertext, tag);
            }

            var (kid, wrapped) = wrapper.Wrap(dataKey);
            var element = new XElement("encryptedKey",
                new XComment(" AES-256-GCM; the data key is wrapped by a Key Vault key (RSA-OAEP-256). "),
                new XElement("kid", kid),
                new XElement("wrappedKey", Convert.ToBase64String(wrapped)),
                new XElement("nonce", Convert.ToBase64String(nonce)),
                new XElement("tag", Convert.ToBase64String(tag)),
                new XElement("value", Convert.ToBase64String(ciphertext)));
            return new EncryptedXmlInfo(element, typeof(KeyVaultXmlDecryptor));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}

public sealed class KeyVaultXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var wrapper = services.GetService<KeyVaultKeyWrapper>()
            ?? throw new InvalidOperationException("Setting 'DataProtection__KeyVaultKeyId' is needed to read the encrypted data protection keys.");
        var dataKey = wrapper.Unwrap((string)encryptedElement.Element("kid")!, Convert.FromBase64String((string)encryptedElement.Element("wrappedKey")!));
        try
        {
            var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
            var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
            var ciphertext = Convert.FromBase64String((string)encryptedElement.Element("value")!);
            var plaintext = new byte[ciphertext.Length];
            using (var aes = new AesGcm(dataKey, tag.Length))
            {
                aes.Decrypt(nonce, ciphertext, tag, plaintext);
            }

            return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
