// Tier2: everything the function app needs in one resource group.
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
// See infra/README.md for what is deployed and the deploy steps.
targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@description('Azure region for the regional resources (Flex Consumption must be available there: az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Short prefix of every resource name: lowercase letters, digits and single dashes, starting with a letter.')
@minLength(2)
@maxLength(12)
param namePrefix string = 'tier2'

@description('Hosting plan: Flex Consumption (serverless, scales to zero) or Elastic Premium (always-warm instances).')
@allowed([
  'FlexConsumption'
  'Premium'
])
param planKind string = 'FlexConsumption'

@description('Elastic Premium SKU, used when planKind is Premium.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param premiumSku string = 'EP1'

@description('Flex Consumption instance memory in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to (Flex Consumption: up to 1000; Premium: capped at 100).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Tags applied to every resource.')
param tags object = {}

@description('Provider (distributor) name shown in invite emails and pages (Tier2__ProviderName).')
@minLength(1)
param providerName string

@description('Provider contact email address (Tier2__ProviderEmail).')
@minLength(3)
param providerEmail string

@description('Provider\'s MPN ID / PartnerID, 1 to 10 digits (Tier2__ProviderMpnId); empty to leave unset.')
@maxLength(10)
param providerMpnId string = ''

@description('Public base URL of the API, routes included (Tier2__PublicBaseUrl), for a custom domain or a front door; empty for https://<default host name>/api.')
param publicBaseUrl string = ''

@description('Entra ID token authority, e.g. https://login.microsoftonline.com/<tenant id>/v2.0 (Auth__Authority).')
@minLength(1)
param authAuthority string

@description('Entra ID audience of the API (Auth__Audience): the API app registration\'s Application (client) ID, the aud of its v2.0 access tokens.')
@minLength(1)
param authAudience string

@description('Where Communication Services stores data at rest.')
param acsDataLocation string = 'United States'

@description('How the app identity is allowed to send email: a least-privileged custom role, or the built-in Communication and Email Service Owner role (see modules/roles.bicep).')
@allowed([
  'Custom'
  'CommunicationAndEmailServiceOwner'
])
param acsSenderRole string = 'Custom'

@description('Turn on Key Vault purge protection (recommended for production; cannot be turned off again).')
param keyVaultPurgeProtection bool = true

@description('Days Key Vault keeps deleted keys and secrets.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Storage account redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param storageSku string = 'Standard_LRS'

@description('Object id of the user, group or pipeline principal that uploads packages (given Storage Blob Data Contributor on the deployment container); empty for none. Needed for the Premium plan.')
param deployerPrincipalId string = ''

@description('Principal type of deployerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@description('Secrets the app reads, as app setting name -> value; each is stored in Key Vault and the app setting becomes a Key Vault reference. None is required.')
@secure()
param appSecrets object = {}

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
var premiumPackageBlobName = 'tier2-functions.zip'
var dataProtectionKeyName = 'dataprotection'

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.identity
  location: location
  tags: tags
}

module storage 'modules/storage.bicep' = {
  params: {
    location: location
    name: names.storage
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
    tags: tags
  }
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

module keyVault 'modules/keyvault.bicep' = {
  params: {
    location: location
    name: names.keyVault
    enablePurgeProtection: keyVaultPurgeProtection
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    dataProtectionKeyName: dataProtectionKeyName
    secrets: appSecrets
    tags: tags
  }
}

module communication 'modules/communication.bicep' = {
  params: {
    communicationServiceName: names.communicationService
    emailServiceName: names.emailService
    dataLocation: acsDataLocation
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

// App settings Tier2 reads (names as in local.settings.sample.json), plus the host's identity-based
// AzureWebJobsStorage and Entra ID telemetry ingestion.
// A secret's name is its setting name with "__" as "--" (modules/keyvault.bicep).
var secretReferences = toObject(
  items(appSecrets),
  secret => secret.key,
  secret => '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=${replace(secret.key, '__', '--')})'
)
var appSettings = union(
  secretReferences,
  {
    AzureWebJobsStorage__accountName: storage.outputs.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    AZURE_CLIENT_ID: identity.properties.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    Tier2__ProviderName: providerName
    Tier2__ProviderEmail: providerEmail
    Auth__Mode: 'EntraId'
    Auth__Authority: authAuthority
    Auth__Audience: authAudience
    Email__Provider: 'Acs'
    Email__AcsEndpoint: communication.outputs.endpoint
    Email__SenderAddress: communication.outputs.senderAddress
    DataProtection__KeyVaultKeyId: keyVault.outputs.dataProtectionKeyUri
    Durable__HubName: 'Tier2'
  },
  empty(providerMpnId) ? {} : { Tier2__ProviderMpnId: providerMpnId }
)

module functionApp 'modules/functionapp.bicep' = {
  params: {
    location: location
    planName: names.plan
    appName: names.functionApp
    planKind: planKind
    premiumSku: premiumSku
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    identityId: identity.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    premiumPackageBlobName: premiumPackageBlobName
    appSettings: appSettings
    publicBaseUrl: publicBaseUrl
    tags: tags
  }
  // The app starts as soon as its settings exist: let it find its data-plane roles in place.
  dependsOn: [
    roles
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (used by the deploy steps in infra/README.md)
// ---------------------------------------------------------------------------------------------

@description('Function app name (az functionapp deploy --name).')
output functionAppName string = functionApp.outputs.name

@description('Default host name of the function app; the API is at https://<host>/api/.')
output defaultHostName string = functionApp.outputs.defaultHostName

@description('Hosting plan kind deployed.')
output planKind string = planKind

@description('Storage account name.')
output storageAccountName string = storage.outputs.name

@description('Blob container holding deployment packages.')
output deploymentContainerName string = deploymentContainerName

@description('Blob the Premium plan runs from (upload the package there when planKind is Premium).')
output premiumPackageBlobName string = premiumPackageBlobName

@description('Communication Services endpoint (Email__AcsEndpoint).')
output acsEndpoint string = communication.outputs.endpoint

@description('Email sender address on the Azure-managed domain (Email__SenderAddress).')
output senderAddress string = communication.outputs.senderAddress

@description('Key Vault name.')
output keyVaultName string = keyVault.outputs.name

@description('Application Insights component name.')
output appInsightsName string = monitoring.outputs.appInsightsName

@description('Client id of the app\'s user-assigned managed identity.')
output identityClientId string = identity.properties.clientId
