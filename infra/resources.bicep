// Everything the function app needs, in one resource group (deployed by main.bicep).
// See infra/README.md for what is deployed and why.
targetScope = 'resourceGroup'

@description('Azure region for the regional resources.')
param location string

@description('Short prefix of every resource name.')
@minLength(2)
@maxLength(12)
param namePrefix string

@description('Flex Consumption instance memory in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances of the "durable" group.')
@minValue(1)
@maxValue(20)
param durableAlwaysReadyInstances int

@description('Durable Functions maxQueuePollingInterval (10 s or less on Flex Consumption).')
param durableMaxQueuePollingInterval string

@description('Tags applied to every resource.')
param tags object

@description('Tier2__ProviderName.')
@minLength(1)
param providerName string

@description('Tier2__ProviderEmail.')
@minLength(3)
param providerEmail string

@description('Tier2__ProviderMpnId; empty for none.')
@maxLength(10)
param providerMpnId string

@description('Tier2__PublicBaseUrl; empty for https://<default host name>/api.')
param publicBaseUrl string

@description('Auth__Authority.')
@minLength(1)
param authAuthority string

@description('Auth__Audience.')
@minLength(1)
param authAudience string

@description('Where Communication Services stores data at rest.')
param acsDataLocation string

@description('Role that lets the app identity send email (see modules/roles.bicep).')
@allowed([
  'Custom'
  'CommunicationAndEmailServiceOwner'
])
param acsSenderRole string

@description('Resource id of a verified custom email domain to send from; empty for the Azure-managed domain.')
param emailCustomDomainId string

@description('Sender address on the custom domain (with emailCustomDomainId).')
param emailSenderAddress string

@description('Key Vault purge protection.')
param keyVaultPurgeProtection bool

@description('Recover the soft-deleted Key Vault of this name instead of creating one.')
param keyVaultRecoverSoftDeleted bool

@description('Days Key Vault keeps deleted keys and secrets.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int

@description('Storage account redundancy.')
param storageSku string

@description('PartnerCenter__Mode.')
@allowed([
  'Disabled'
  'Enabled'
])
param partnerCenterMode string

@description('Offers__Countries.')
param offerCountries string

@description('PartnerCenter__BaseUrl.')
@minLength(1)
param partnerCenterBaseUrl string

@description('PartnerCenter__TokenEndpoint.')
@minLength(1)
param partnerCenterTokenEndpoint string

@description('PartnerCenter__AuthorizeEndpoint.')
@minLength(1)
param partnerCenterAuthorizeEndpoint string

@description('PartnerCenter__TenantId.')
@minLength(1)
param partnerCenterTenantId string

@description('PartnerCenter__ClientId; empty until the app registration exists.')
param partnerCenterClientId string

@description('Object id of the deployer (Storage Blob Data Contributor on the deployment container); empty for none.')
param deployerPrincipalId string

@description('Principal type of deployerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var suffix = uniqueString(resourceGroup().id)
var prefix = toLower(namePrefix)
var names = {
  identity: '${prefix}-id-${suffix}'
  storage: take('${replace(prefix, '-', '')}${suffix}', 24)
  keyVault: take('${prefix}-kv-${suffix}', 24)
  workspace: '${prefix}-log-${suffix}'
  appInsights: '${prefix}-appi-${suffix}'
  emailService: '${prefix}-email-${suffix}'
  communicationService: '${prefix}-acs-${suffix}'
  plan: '${prefix}-plan-${suffix}'
  functionApp: '${prefix}-func-${suffix}'
}
var deploymentContainerName = 'deployments'
var dataProtectionKeyName = 'dataprotection'
// Vault secrets of Partner Center: the refresh token's name is the app's default (PartnerCenterOptions), set anyway.
var partnerCenterClientSecretName = 'partner-center-client-secret'
var partnerCenterRefreshTokenSecretName = 'partner-center-refresh-token'

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.identity
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  params: {
    location: location
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    retentionInDays: logRetentionInDays
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  params: {
    location: location
    name: names.storage
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
    workspaceId: monitoring.outputs.workspaceId
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  params: {
    location: location
    name: names.keyVault
    enablePurgeProtection: keyVaultPurgeProtection
    recoverSoftDeleted: keyVaultRecoverSoftDeleted
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    dataProtectionKeyName: dataProtectionKeyName
    partnerCenterRefreshTokenSecretName: partnerCenterRefreshTokenSecretName
    workspaceId: monitoring.outputs.workspaceId
    tags: tags
  }
}

module communication 'modules/communication.bicep' = {
  params: {
    communicationServiceName: names.communicationService
    emailServiceName: names.emailService
    dataLocation: acsDataLocation
    customDomainId: emailCustomDomainId
    customSenderAddress: emailSenderAddress
    workspaceId: monitoring.outputs.workspaceId
    tags: tags
  }
}

// Names are passed as constants (not module outputs) so that What-If can predict the role
// assignments; dependsOn orders the deployment instead.
module roles 'modules/roles.bicep' = {
  params: {
    identityId: identity.id
    principalId: identity.properties.principalId
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    keyVaultName: names.keyVault
    dataProtectionKeyName: dataProtectionKeyName
    partnerCenterRefreshTokenSecretName: partnerCenterRefreshTokenSecretName
    appInsightsName: names.appInsights
    communicationServiceName: names.communicationService
    acsSenderRole: acsSenderRole
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
  }
  dependsOn: [
    storage
    keyVault
    monitoring
    communication
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  params: {
    location: location
    planName: names.plan
    appName: names.functionApp
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    durableMaxQueuePollingInterval: durableMaxQueuePollingInterval
    identityId: identity.id
    identityClientId: identity.properties.clientId
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    storageAccountName: storage.outputs.name
    appInsightsConnectionString: monitoring.outputs.connectionString
    workspaceId: monitoring.outputs.workspaceId
    providerName: providerName
    providerEmail: providerEmail
    providerMpnId: providerMpnId
    publicBaseUrl: publicBaseUrl
    authAuthority: authAuthority
    authAudience: authAudience
    acsEndpoint: communication.outputs.endpoint
    senderAddress: communication.outputs.senderAddress
    // Azure-managed domains send at most 5 emails a minute (and 10 an hour), with no increase: invites beyond
    // that are refused up front (429) instead of failing in Communication Services. The app checks it too.
    invitesPerMinute: empty(emailCustomDomainId) ? 5 : 30
    dataProtectionKeyUri: keyVault.outputs.dataProtectionKeyUri
    partnerCenterMode: partnerCenterMode
    offerCountries: offerCountries
    partnerCenterBaseUrl: partnerCenterBaseUrl
    partnerCenterTokenEndpoint: partnerCenterTokenEndpoint
    partnerCenterAuthorizeEndpoint: partnerCenterAuthorizeEndpoint
    partnerCenterTenantId: partnerCenterTenantId
    partnerCenterClientId: partnerCenterClientId
    keyVaultUri: keyVault.outputs.uri
    partnerCenterClientSecretName: partnerCenterClientSecretName
    partnerCenterRefreshTokenSecretName: partnerCenterRefreshTokenSecretName
    tags: tags
  }
  // The app starts as soon as its settings exist: let it find its data-plane roles in place.
  dependsOn: [
    roles
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (none is a secret)
// ---------------------------------------------------------------------------------------------

@description('Function app name.')
output functionAppName string = functionApp.outputs.name

@description('Base URL of the API.')
output apiBaseUrl string = functionApp.outputs.apiBaseUrl

@description('Storage account name.')
output storageAccountName string = storage.outputs.name

@description('Blob container holding the deployment package.')
output deploymentContainerName string = deploymentContainerName

@description('Communication Services endpoint.')
output acsEndpoint string = communication.outputs.endpoint

@description('Email sender address on the Azure-managed domain.')
output senderAddress string = communication.outputs.senderAddress

@description('Key Vault name.')
output keyVaultName string = keyVault.outputs.name

@description('Application Insights component name.')
output appInsightsName string = monitoring.outputs.appInsightsName

@description('Client id of the app\'s user-assigned managed identity.')
output identityClientId string = identity.properties.clientId
