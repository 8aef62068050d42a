// The Flex Consumption plan and the function app: a .NET 10 isolated worker with Durable
// Functions on the Azure Storage provider.
//
// Flex Consumption takes the runtime, the deployment storage and the scale settings from
// properties.functionAppConfig, and refuses the site properties and app settings it replaced
// (ARM error 51021 names them, for example Site.SiteConfig.FtpsState): no ftpsState,
// linuxFxVersion, functionAppScaleLimit, minimumElasticInstanceCount, alwaysOn, netFrameworkVersion,
// use32BitWorkerProcess, containerSize, dailyMemoryTimeQuota, not even as null; no
// FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE,
// WEBSITE_CONTENTAZUREFILECONNECTIONSTRING or WEBSITE_CONTENTSHARE app setting. The only siteConfig
// property sent is minTlsVersion. tests/Tier2.Infra.Tests checks the built template for all of these.
//
// Elastic Premium is not offered: it needs an Azure Files content share
// (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING), which only takes a connection string with an account
// key, and the storage account has shared-key access off.

@description('Azure region.')
param location string

@description('Hosting plan name.')
param planName string

@description('Function app name.')
param appName string

@description('Flex Consumption instance memory in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances of the "durable" group.')
@minValue(1)
@maxValue(20)
param durableAlwaysReadyInstances int

@description('Durable Functions maxQueuePollingInterval (10 s or less on Flex Consumption).')
param durableMaxQueuePollingInterval string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (per-connection __clientId settings).')
param identityClientId string

@description('URL of the blob container Flex Consumption deploys the package to.')
param deploymentContainerUrl string

@description('Storage account of AzureWebJobsStorage (host, Durable Functions task hub, Tier2 tables).')
param storageAccountName string

@description('Application Insights connection string (not a secret: ingestion requires Entra ID auth).')
param appInsightsConnectionString string

@description('Log Analytics workspace resource id (diagnostic settings).')
param workspaceId string

@description('Tier2__ProviderName.')
param providerName string

@description('Tier2__ProviderEmail.')
param providerEmail string

@description('Tier2__ProviderMpnId; empty for none.')
param providerMpnId string

@description('Tier2__PublicBaseUrl; empty for https://<default host name>/api.')
param publicBaseUrl string

@description('Auth__Authority.')
param authAuthority string

@description('Auth__Audience.')
param authAudience string

@description('Email__AcsEndpoint.')
param acsEndpoint string

@description('Email__SenderAddress.')
param senderAddress string

@description('Invites__CreatePerMinute: what the sender\'s domain can send.')
@minValue(1)
param invitesPerMinute int

@description('DataProtection__KeyVaultKeyId: versionless URI of the key-wrapping key.')
param dataProtectionKeyUri string

@description('PartnerCenter__Mode.')
@allowed([
  'Disabled'
  'Enabled'
])
param partnerCenterMode string

@description('Offers__Countries: the countries whose catalog is synced and sold (ISO 3166 two-letter codes, comma-separated).')
param offerCountries string

@description('PartnerCenter__BaseUrl.')
param partnerCenterBaseUrl string

@description('PartnerCenter__TokenEndpoint.')
param partnerCenterTokenEndpoint string

@description('PartnerCenter__AuthorizeEndpoint.')
param partnerCenterAuthorizeEndpoint string

@description('PartnerCenter__TenantId.')
param partnerCenterTenantId string

@description('PartnerCenter__ClientId (the app registration; empty until one is registered).')
param partnerCenterClientId string

@description('Vault URI (https://<vault>.vault.azure.net/): PartnerCenter__KeyVaultUri and the client secret\'s reference.')
param keyVaultUri string

@description('Name of the vault secret holding the app registration\'s client secret (created by hand, see infra/README.md).')
param partnerCenterClientSecretName string

@description('PartnerCenter__RefreshTokenSecretName.')
param partnerCenterRefreshTokenSecretName string

@description('Tags applied to every resource.')
param tags object

@description('azd service name (azure.yaml services.<name>): azd finds the app by this tag.')
param serviceName string = 'api'

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // A Key Vault reference in an app setting (@Microsoft.KeyVault(...)) resolves as this identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        // A string: "10" is refused.
        version: '10.0'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Durable Functions on the Azure Storage provider: orchestrator, activity and entity
        // triggers poll queues, and Flex scales the "durable" group from those queues. At least
        // one always-ready instance keeps a poller running so that work is picked up at once.
        alwaysReady: [
          {
            name: 'durable'
            instanceCount: durableAlwaysReadyInstances
          }
        ]
      }
    }
  }
}

// Deployments authenticate with Entra ID (azd deploy, az functionapp deploy); no basic-auth
// publishing credentials.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

var apiBaseUrl = empty(publicBaseUrl) ? 'https://${site.properties.defaultHostName}/api' : publicBaseUrl

// Set after the site exists so that the public base URL can use the host name Azure assigned.
// Every identity-based connection names the user-assigned identity itself (<connection>__clientId);
// there is no global AZURE_CLIENT_ID.
resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Host storage, the Durable Functions task hub (storageProvider.connectionName defaults to
    // AzureWebJobsStorage) and Tier2's tables, queues and blobs.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // Durable Functions on Flex Consumption: poll empty queues at least every 10 s.
    AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval: durableMaxQueuePollingInterval
    // Telemetry with Entra ID ingestion (local auth is off on the component).
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    Tier2__PublicBaseUrl: apiBaseUrl
    Tier2__ProviderName: providerName
    Tier2__ProviderEmail: providerEmail
    Tier2__ProviderMpnId: providerMpnId
    Auth__Mode: 'EntraId'
    Auth__Authority: authAuthority
    Auth__Audience: authAudience
    // Email through Communication Services with Entra ID as the app identity (access keys are off).
    Email__Provider: 'Acs'
    Email__AcsEndpoint: acsEndpoint
    Email__SenderAddress: senderAddress
    Email__credential: 'managedidentity'
    Email__clientId: identityClientId
    Invites__CreatePerMinute: string(invitesPerMinute)
    // Data Protection key ring wrapped with the Key Vault key, as the app identity.
    DataProtection__KeyVaultKeyId: dataProtectionKeyUri
    DataProtection__credential: 'managedidentity'
    DataProtection__clientId: identityClientId
    // The reconciliation timers read their schedules as %Reconciliation:...Schedule% references: the Functions host
    // resolves them from app settings when it indexes the functions, so each must be set (six-field cron, UTC).
    // The values are local.settings.sample.json's, where they are defined (Tier2.Infra.Tests checks they agree).
    Reconciliation__OrchestrationRepairSchedule: '0 */5 * * * *'
    Reconciliation__InvitesSchedule: '0 7/15 * * * *'
    Reconciliation__OrdersSchedule: '0 */10 * * * *'
    Reconciliation__AssociationsSchedule: '0 0 6 * * *'
    Reconciliation__RetentionSchedule: '0 30 3 * * *'
    Reconciliation__PartnerCenterResellersSchedule: '0 20/30 * * * *'
    Reconciliation__OfferCatalogSchedule: '0 45 4 * * *'
    // Partner Center (README "Partner Center"). Disabled: the app ignores the rest. The client secret is a Key Vault
    // reference, resolved by the platform as keyVaultReferenceIdentity (Key Vault Secrets User on the vault); until
    // the secret is created the reference stays unresolved and token calls fail (infra/README.md says how to set it).
    PartnerCenter__Mode: partnerCenterMode
    // The catalog's countries (README "Offers from Partner Center's catalog"); read in either mode (GET /api/offers?country=).
    Offers__Countries: offerCountries
    PartnerCenter__BaseUrl: partnerCenterBaseUrl
    PartnerCenter__TokenEndpoint: partnerCenterTokenEndpoint
    PartnerCenter__AuthorizeEndpoint: partnerCenterAuthorizeEndpoint
    PartnerCenter__TenantId: partnerCenterTenantId
    PartnerCenter__ClientId: partnerCenterClientId
    PartnerCenter__ClientSecret: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${partnerCenterClientSecretName})'
    // The refresh token: a secret the app writes a version of at every renewal, as the app identity (Key Vault
    // Secrets Officer on that secret). Its own connection section: PartnerCenter__clientId would be ClientId.
    PartnerCenter__KeyVaultUri: keyVaultUri
    PartnerCenter__RefreshTokenSecretName: partnerCenterRefreshTokenSecretName
    PartnerCenter__RefreshTokenVault__credential: 'managedidentity'
    PartnerCenter__RefreshTokenVault__clientId: identityClientId
    // Read in either Partner Center mode (the timer exists either way).
    PartnerCenter__ConnectionCheckSchedule: '0 0 7 * * *'
  }
}

// 2021-05-01-preview is the newest version of diagnosticSettings and the first with categoryGroup;
// the linter would only take 2016-09-01.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: site
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
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

@description('Function app name.')
output name string = site.name

@description('Base URL of the API.')
output apiBaseUrl string = apiBaseUrl
