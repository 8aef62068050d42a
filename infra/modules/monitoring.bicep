// Log Analytics workspace and a workspace-based Application Insights component.
// Local (instrumentation-key only) ingestion is disabled: the function app sends telemetry with
// Entra ID auth (APPLICATIONINSIGHTS_AUTHENTICATION_STRING) as its managed identity, which holds
// Monitoring Metrics Publisher on the component (see roles.bicep).

@description('Azure region.')
param location string

@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights component name.')
param appInsightsName string

@description('Days of log retention in the workspace.')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Tags applied to every resource.')
param tags object

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

@description('Log Analytics workspace resource id.')
output workspaceId string = workspace.id

@description('Application Insights component name.')
output appInsightsName string = appInsights.name

@description('Application Insights connection string (not a secret: ingestion requires Entra ID auth).')
output connectionString string = appInsights.properties.ConnectionString
