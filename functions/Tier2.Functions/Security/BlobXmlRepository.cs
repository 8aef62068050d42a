using System.Xml.Linq;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Tier2.Functions.Security;

/// <summary>
/// Data Protection keys as blobs (one per key), so every instance of the app shares one key ring and
/// protected values (the onboarding password, sealed invite tokens, anti-forgery tokens) survive restarts.
/// </summary>
public sealed class BlobXmlRepository(BlobContainerClient container) : IXmlRepository
{
    private readonly Lazy<bool> _created = new(() =>
    {
        container.CreateIfNotExists();
        return true;
    });

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        _ = _created.Value;
        var elements = new List<XElement>();
        foreach (var blob in container.GetBlobs(BlobTraits.None, BlobStates.None, "keys/", CancellationToken.None))
        {
            var content = container.GetBlobClient(blob.Name).DownloadContent().Value.Content;
            using var stream = content.ToStream();
            elements.Add(XElement.Load(stream));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        _ = _created.Value;
        using var stream = new MemoryStream();
        element.Save(stream, SaveOptions.DisableFormatting);
        stream.Position = 0;
        // Key ids are GUIDs, so two instances never write the same name; overwrite is therefore safe.
        container.GetBlobClient($"keys/{friendlyName}.xml").Upload(stream, overwrite: true);
    }
}
