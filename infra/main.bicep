// Tier2: the resource group and everything the function app needs in it.
//   azd up                                      (azure.yaml; parameters from main.parameters.json)
//   az deployment sub create -l <region> -f infra/main.bicep -p infra/main.bicepparam
// See infra/README.md for what is deployed, the deploy steps and how to roll back.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// Parameters azd fills in (main.parameters.json): AZURE_ENV_NAME, AZURE_LOCATION, AZURE_PRINCIPAL_ID
// ---------------------------------------------------------------------------------------------

@description('Environment name (azd: AZURE_ENV_NAME). Names the resource group (rg-<name>) and tags every resource with azd-env-name.')
@minLength(1)
@maxLength(64)
param environmentName string

// The regions that offer Flex Consumption, as the official azd template lists them
// (Azure-Samples/functions-quickstart-dotnet-azd, infra/main.bicep; its canary region eastus2euap left out);
// `az functionapp list-flexconsumption-locations` shows today's list. azd offers only these when it asks.
@description('Azure region of the resource group and the regional resources: one that offers Flex Consumption.')
@allowed([
  'australiaeast'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the user or pipeline that deploys (azd: AZURE_PRINCIPAL_ID); gets Storage Blob Data Contributor on the deployment container to inspect or back up the package. Empty for none.')
param principalId string = ''

@description('Principal type of principalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

// ---------------------------------------------------------------------------------------------
// Parameters of the app
// ---------------------------------------------------------------------------------------------

@description('Resource group to create or update; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@description('Short prefix of every resource name: lowercase letters, digits and single dashes, starting with a letter.')
@minLength(2)
@maxLength(12)
param namePrefix string = 'tier2'

@description('Flex Consumption instance memory in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to (Flex Consumption takes 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Always-ready instances of the "durable" group (orchestrators, activities, entities): at least 1 so that Durable Functions work is picked up without waiting for a scale decision. Billed while idle (see infra/README.md).')
@minValue(1)
@maxValue(20)
param durableAlwaysReadyInstances int = 1

@description('Longest wait between polls of an empty Durable Functions control or work-item queue (AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval); 10 s or less on Flex Consumption.')
@allowed([
  '00:00:01'
  '00:00:02'
  '00:00:05'
  '00:00:10'
])
param durableMaxQueuePollingInterval string = '00:00:10'

@description('Tags applied to the resource group and every resource (azd-env-name is added).')
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

@description('Entra ID token authority (Auth__Authority); empty for https://login.microsoftonline.com/<this tenant>/v2.0.')
param authAuthority string = ''

@description('Entra ID audience of the API (Auth__Audience): the API app registration\'s Application (client) ID. Empty for api://tier2-<environmentName>: the app runs, but accepts no token until this is set (see infra/README.md).')
param authAudience string = ''

@description('Where Communication Services stores data at rest.')
param acsDataLocation string = 'United States'

@description('How the app identity may send email: the built-in Communication and Email Service Owner role, or a narrower custom role created in the same deployment (see modules/roles.bicep).')
@allowed([
  'Custom'
  'CommunicationAndEmailServiceOwner'
])
param acsSenderRole string = 'CommunicationAndEmailServiceOwner'

@description('''
Resource id of a verified custom email domain (Microsoft.Communication/emailServices/domains) to send from,
with emailSenderAddress on it; empty to send from the Azure-managed domain this deployment creates. An
Azure-managed domain sends at most 5 emails a minute and 10 an hour, with no increase: the app's invite
rate (Invites__CreatePerMinute) follows the domain kind (see infra/README.md).
''')
param emailCustomDomainId string = ''

@description('Sender (From) address on the custom domain, e.g. DoNotReply@mail.contoso.com; used only with emailCustomDomainId.')
param emailSenderAddress string = ''

@description('Partner Center connector (PartnerCenter__Mode): Disabled (the default; no other Partner Center setting is used) or Enabled (the app registration below and a connected account are needed, see infra/README.md).')
@allowed([
  'Disabled'
  'Enabled'
])
param partnerCenterMode string = 'Disabled'

@description('Offers__Countries: the countries whose Partner Center catalog the app syncs and sells (ISO 3166 two-letter codes, comma-separated; the first is the default).')
param offerCountries string = 'US'

@description('Provider\'s partner tenant (PartnerCenter__TenantId): its id or domain name; empty for this subscription\'s tenant.')
param partnerCenterTenantId string = ''

@description('Client id of the Partner Center app registration (PartnerCenter__ClientId); empty until it is registered. Its client secret is a vault secret, set by hand (see infra/README.md).')
param partnerCenterClientId string = ''

@description('Partner Center REST API (PartnerCenter__BaseUrl); empty for https://api.partnercenter.microsoft.com. The integration sandbox is the same service: only its credentials differ.')
param partnerCenterBaseUrl string = ''

@description('Entra ID v1 token endpoint (PartnerCenter__TokenEndpoint), {tenant} standing for the tenant id; empty for <login endpoint>{tenant}/oauth2/token.')
param partnerCenterTokenEndpoint string = ''

@description('Entra ID v1 authorize endpoint (PartnerCenter__AuthorizeEndpoint), {tenant} as above; empty for <login endpoint>{tenant}/oauth2/authorize.')
param partnerCenterAuthorizeEndpoint string = ''

@description('Turn on Key Vault purge protection (recommended for production; cannot be turned off again).')
param keyVaultPurgeProtection bool = true

@description('Recover the soft-deleted Key Vault of this name (with its Data Protection key) instead of creating one: after azd down, the next azd up needs it (see infra/README.md).')
param keyVaultRecoverSoftDeleted bool = false

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

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

var allTags = union(tags, { 'azd-env-name': environmentName })

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: allTags
}

module app 'resources.bicep' = {
  scope: rg
  params: {
    location: location
    namePrefix: namePrefix
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    durableMaxQueuePollingInterval: durableMaxQueuePollingInterval
    tags: allTags
    providerName: providerName
    providerEmail: providerEmail
    providerMpnId: providerMpnId
    publicBaseUrl: publicBaseUrl
    authAuthority: empty(authAuthority)
      ? '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
      : authAuthority
    authAudience: empty(authAudience) ? 'api://tier2-${environmentName}' : authAudience
    acsDataLocation: acsDataLocation
    acsSenderRole: acsSenderRole
    emailCustomDomainId: emailCustomDomainId
    emailSenderAddress: emailSenderAddress
    keyVaultPurgeProtection: keyVaultPurgeProtection
    keyVaultRecoverSoftDeleted: keyVaultRecoverSoftDeleted
    keyVaultSoftDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    logRetentionInDays: logRetentionInDays
    storageSku: storageSku
    partnerCenterMode: partnerCenterMode
    offerCountries: offerCountries
    partnerCenterTenantId: empty(partnerCenterTenantId) ? tenant().tenantId : partnerCenterTenantId
    partnerCenterClientId: partnerCenterClientId
    partnerCenterBaseUrl: empty(partnerCenterBaseUrl) ? 'https://api.partnercenter.microsoft.com' : partnerCenterBaseUrl
    // The app replaces {tenant} with PartnerCenter__TenantId.
    partnerCenterTokenEndpoint: empty(partnerCenterTokenEndpoint)
      ? '${environment().authentication.loginEndpoint}{tenant}/oauth2/token'
      : partnerCenterTokenEndpoint
    partnerCenterAuthorizeEndpoint: empty(partnerCenterAuthorizeEndpoint)
      ? '${environment().authentication.loginEndpoint}{tenant}/oauth2/authorize'
      : partnerCenterAuthorizeEndpoint
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs: azd stores each in the environment (.azure/<env>/.env); the az steps read them too.
// None is a secret.
// ---------------------------------------------------------------------------------------------

@description('Region deployed to.')
output AZURE_LOCATION string = location

@description('Tenant of the subscription.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding everything.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Function app name (az functionapp deploy --name).')
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName

@description('Base URL of the API: https://<default host name>/api (or publicBaseUrl).')
output SERVICE_API_URI string = app.outputs.apiBaseUrl

@description('Storage account name.')
output AZURE_STORAGE_ACCOUNT_NAME string = app.outputs.storageAccountName

@description('Blob container Flex Consumption deploys the package to.')
output AZURE_DEPLOYMENT_CONTAINER_NAME string = app.outputs.deploymentContainerName

@description('Communication Services endpoint (Email__AcsEndpoint).')
output AZURE_ACS_ENDPOINT string = app.outputs.acsEndpoint

@description('Email sender address (Email__SenderAddress): on the Azure-managed domain, or emailSenderAddress.')
output AZURE_EMAIL_SENDER_ADDRESS string = app.outputs.senderAddress

@description('Key Vault name.')
output AZURE_KEY_VAULT_NAME string = app.outputs.keyVaultName

@description('Application Insights component name.')
output AZURE_APP_INSIGHTS_NAME string = app.outputs.appInsightsName

@description('Client id of the app\'s user-assigned managed identity (not a secret).')
output AZURE_APP_IDENTITY_CLIENT_ID string = app.outputs.identityClientId
