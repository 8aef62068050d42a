// Key Vault with RBAC authorization. It holds the ASP.NET Core Data Protection key-wrapping key
// (RSA 2048, wrap/unwrap only): the key ring itself lives in storage, each key in it encrypted with
// this key. Storage, email, telemetry and token validation all use Entra ID: the only secrets are Partner
// Center's, the app registration's client secret (created by hand, read through a Key Vault reference) and
// the refresh token the app itself writes (declared here so that its role can be scoped to it).
// In Azure, API tokens are issued by Entra ID, so no token signing key is kept here.
// Every data-plane access is audited to Log Analytics.

@description('Azure region.')
param location string

@description('Key Vault name (3-24 letters, digits and dashes, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Enable purge protection (irreversible once on: the vault and its keys cannot be purged before the retention period ends).')
param enablePurgeProtection bool

@description('Recover the soft-deleted vault of this name (and its keys) instead of creating one.')
param recoverSoftDeleted bool

@description('Days a deleted vault, key or secret is kept before it is purged.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Name of the Data Protection key-wrapping key.')
param dataProtectionKeyName string

@description('Name of the secret holding the Partner Center refresh token (PartnerCenter__RefreshTokenSecretName).')
param partnerCenterRefreshTokenSecretName string

@description('Log Analytics workspace resource id (diagnostic settings).')
param workspaceId string

@description('Tags applied to every resource.')
param tags object

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // After azd down the vault stays soft-deleted (purge protection forbids a purge): a vault of the same name
    // cannot be created until the retention ends, but it can be recovered, Data Protection key included.
    createMode: recoverSoftDeleted ? 'recover' : 'default'
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Purge protection cannot be turned off once on, and the API rejects an explicit false.
    enablePurgeProtection: enablePurgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource dataProtectionKey 'Microsoft.KeyVault/vaults/keys@2025-05-01' = {
  parent: vault
  name: dataProtectionKeyName
  tags: tags
  properties: {
    kty: 'RSA'
    keySize: 2048
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
    attributes: {
      enabled: true
      exportable: false
    }
  }
}

// The Partner Center refresh token, a new version of which the app writes at every renewal. Declared only so that
// the app identity's Key Vault Secrets Officer role can be scoped to this one secret (roles.bicep: a role's scope
// must exist). The value here is a placeholder, not a secret, that a deployment may write again as a new version:
// the app reads only the version it wrote last (recorded in its table), so deploying never disconnects it.
resource partnerCenterRefreshToken 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: partnerCenterRefreshTokenSecretName
  tags: tags
  properties: {
    value: 'not-connected'
    contentType: 'text/plain'
    attributes: {
      enabled: true
    }
  }
}

// 2021-05-01-preview is the newest version of diagnosticSettings and the first with categoryGroup;
// the linter would only take 2016-09-01.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        // AuditEvent: every data-plane call (key wrap/unwrap, secret reads) and its caller.
        categoryGroup: 'audit'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Key Vault name.')
output name string = vault.name

@description('Vault URI, e.g. https://<name>.vault.azure.net/ (PartnerCenter__KeyVaultUri).')
output uri string = vault.properties.vaultUri

@description('Versionless URI of the Data Protection key-wrapping key (the newest version is used to wrap).')
output dataProtectionKeyUri string = dataProtectionKey.properties.keyUri
