// Role assignments for the function app's user-assigned managed identity, each at the narrowest
// scope that works, plus (optionally) the deploying user's right to upload a package.

@description('Resource id of the function app identity (names the assignments: known before deployment).')
param identityId string

@description('Principal (object) id of the function app identity.')
param principalId string

@description('Storage account name.')
param storageAccountName string

@description('Deployment container name, in the storage account.')
param deploymentContainerName string

@description('Key Vault name.')
param keyVaultName string

@description('Name of the Data Protection key in the vault.')
param dataProtectionKeyName string

@description('Name of the Partner Center refresh-token secret in the vault.')
param partnerCenterRefreshTokenSecretName string

@description('Application Insights component name.')
param appInsightsName string

@description('Communication Services resource name.')
param communicationServiceName string

@description('''
How the identity gets the right to send email through Communication Services (access keys are off,
so Entra ID is the only way):
- "CommunicationAndEmailServiceOwner" (the default): the built-in role, scoped to the one
  Communication Services resource. It exists in every tenant, so the first deployment assigns it
  without waiting for anything.
- "Custom": a narrower custom role (CommunicationServices/Read, CommunicationServices/Write,
  EmailServices/write, the actions Microsoft documents for sending over SMTP with an Entra ID
  application, not for the Email REST API the app uses), assignable in this resource group only.
  Created and assigned in the same deployment, so the first deployment can fail with
  RoleDefinitionDoesNotExist while the definition replicates (deploying again fixes it), and
  sending can answer 401/403 if the REST API needs more than these actions.
Contributor is broader still and is not offered.
''')
@allowed([
  'Custom'
  'CommunicationAndEmailServiceOwner'
])
param acsSenderRole string

@description('Object id of the deployer (Storage Blob Data Contributor on the deployment container, to inspect or back up the package); empty for none.')
param deployerPrincipalId string

@description('Type of deployerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string

// Built-in role definition ids (the same in every tenant). tests/Tier2.Infra.Tests holds the same
// table and checks every role definition id in the built template against it.
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Key Vault Secrets Officer: data actions Microsoft.KeyVault/vaults/secrets/* (get and set among them); id
  // from Microsoft's "Azure built-in roles for Security" (learn.microsoft.com/azure/role-based-access-control/
  // built-in-roles/security#key-vault-secrets-officer). Secrets User cannot write; nothing narrower is built in.
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultCryptoServiceEncryptionUser: 'e147488a-f6f5-4113-8e2d-b22465e65bf6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350'
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deploymentContainer 'containers' existing = {
      name: deploymentContainerName
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName

  resource dataProtectionKey 'keys' existing = {
    name: dataProtectionKeyName
  }

  resource partnerCenterRefreshToken 'secrets' existing = {
    name: partnerCenterRefreshTokenSecretName
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' existing = {
  name: communicationServiceName
}

// Storage: the Functions host needs blob (leases, keys, Flex deployment package) as owner; the
// Durable Functions Azure Storage provider needs all three (blobs: leases and large payloads,
// queues: control and work-item queues, tables: history and instances); Tier2 creates and uses
// tables, queues and blobs. Storage Account Contributor (management plane) is not needed: nothing
// is created through ARM at run time, and nothing lists keys.
resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [
    roleIds.storageBlobDataOwner
    roleIds.storageQueueDataContributor
    roleIds.storageTableDataContributor
  ]: {
    name: guid(storageAccount.id, identityId, roleId)
    scope: storageAccount
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

// Key Vault references in app settings read their secrets as the app identity (PartnerCenter__ClientSecret).
resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
  }
}

// The Partner Center refresh token: the app reads it and writes a new version at every renewal (90-day
// lifetime, renewed on use). Write access on this one secret only: the client secret and any other secret stay
// read-only to the app.
resource partnerCenterRefreshTokenOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault::partnerCenterRefreshToken.id, identityId, roleIds.keyVaultSecretsOfficer)
  scope: vault::partnerCenterRefreshToken
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
  }
}

// Data Protection wraps and unwraps its key ring with the key: read + wrap + unwrap on that one
// key, no sign/decrypt/encrypt, no other key.
resource dataProtectionKeyUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault::dataProtectionKey.id, identityId, roleIds.keyVaultCryptoServiceEncryptionUser)
  scope: vault::dataProtectionKey
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roleIds.keyVaultCryptoServiceEncryptionUser
    )
  }
}

// Telemetry ingestion with Entra ID auth (local auth is disabled on the component).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roleIds.monitoringMetricsPublisher
    )
  }
}

resource acsEmailSenderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (acsSenderRole == 'Custom') {
  name: guid(resourceGroup().id, 'tier2-acs-email-sender')
  properties: {
    // Role names are unique per tenant: the resource group id keeps two deployments apart.
    roleName: 'Tier2 ACS email sender ${uniqueString(resourceGroup().id)}'
    description: 'Send email through Azure Communication Services with Entra ID auth, and nothing else.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
          'Microsoft.Communication/EmailServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

var acsRoleDefinitionId = acsSenderRole == 'Custom'
  ? acsEmailSenderRole.id
  : subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.communicationAndEmailServiceOwner)

resource acsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, identityId, acsSenderRole)
  scope: communicationService
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: acsRoleDefinitionId
  }
}

// Lets the deployer (azd: AZURE_PRINCIPAL_ID) list and download the package Flex deployed, e.g. to
// keep a copy before a deployment (az storage blob download --auth-mode login). Deploying itself
// needs no data role: the platform writes the package as the app identity.
resource deployerUpload 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(
    storageAccount::blobService::deploymentContainer.id,
    deployerPrincipalId,
    roleIds.storageBlobDataContributor
  )
  scope: storageAccount::blobService::deploymentContainer
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roleIds.storageBlobDataContributor
    )
  }
}
