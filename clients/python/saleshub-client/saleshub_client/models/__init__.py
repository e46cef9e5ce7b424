"""Contains all the data models used in inputs/outputs"""

from .activity import Activity
from .activity_in import ActivityIn
from .activity_in_kind import ActivityInKind
from .activity_in_list import ActivityInList
from .activity_in_list_kind_type_0 import ActivityInListKindType0
from .activity_in_list_sort import ActivityInListSort
from .activity_kind import ActivityKind
from .activity_page import ActivityPage
from .activity_patch import ActivityPatch
from .activity_patch_kind import ActivityPatchKind
from .analytics_query import AnalyticsQuery
from .api_key import ApiKey
from .api_key_page import ApiKeyPage
from .attempt import Attempt
from .audit_entry import AuditEntry
from .audit_entry_details_type_0 import AuditEntryDetailsType0
from .audit_page import AuditPage
from .audit_query import AuditQuery
from .batch import Batch
from .batch_members import BatchMembers
from .bulk_job import BulkJob
from .bulk_job_params import BulkJobParams
from .bulk_outcome import BulkOutcome
from .cache_analytics import CacheAnalytics
from .cache_analytics_latency_ms_type_0 import CacheAnalyticsLatencyMsType0
from .cache_analytics_memory_type_0 import CacheAnalyticsMemoryType0
from .cache_analytics_namespaces_type_0 import CacheAnalyticsNamespacesType0
from .cache_analytics_namespaces_type_0_additional_property import CacheAnalyticsNamespacesType0AdditionalProperty
from .cache_counts import CacheCounts
from .cache_histogram import CacheHistogram
from .cache_histogram_buckets import CacheHistogramBuckets
from .cache_memory import CacheMemory
from .cache_query import CacheQuery
from .cache_query_range import CacheQueryRange
from .cache_stats import CacheStats
from .cache_stats_namespaces_type_0 import CacheStatsNamespacesType0
from .cache_stats_scope_type_0 import CacheStatsScopeType0
from .cache_stats_status import CacheStatsStatus
from .canaries import Canaries
from .canaries_items_item import CanariesItemsItem
from .chart_query import ChartQuery
from .chart_query_range import ChartQueryRange
from .charts import Charts
from .charts_actors_item import ChartsActorsItem
from .charts_depth import ChartsDepth
from .charts_latency import ChartsLatency
from .charts_latency_additional_property import ChartsLatencyAdditionalProperty
from .charts_throughput import ChartsThroughput
from .charts_throughput_additional_property import ChartsThroughputAdditionalProperty
from .company import Company
from .company_in import CompanyIn
from .company_in_list import CompanyInList
from .company_in_list_sort import CompanyInListSort
from .company_page import CompanyPage
from .company_patch import CompanyPatch
from .contact import Contact
from .contact_in import ContactIn
from .contact_in_list import ContactInList
from .contact_in_list_sort import ContactInListSort
from .contact_page import ContactPage
from .contact_patch import ContactPatch
from .dashboard import Dashboard
from .dashboard_pipeline import DashboardPipeline
from .dashboard_source import DashboardSource
from .day_count import DayCount
from .dead_letter import DeadLetter
from .dead_letter_bulk import DeadLetterBulk
from .dead_letter_count import DeadLetterCount
from .dead_letter_filter import DeadLetterFilter
from .dead_letter_kwargs_type_0 import DeadLetterKwargsType0
from .dead_letter_options_type_0 import DeadLetterOptionsType0
from .dead_letter_page import DeadLetterPage
from .dead_letter_query import DeadLetterQuery
from .deal import Deal
from .deal_in import DealIn
from .deal_in_list import DealInList
from .deal_in_list_sort import DealInListSort
from .deal_in_list_stage_type_0 import DealInListStageType0
from .deal_in_stage import DealInStage
from .deal_page import DealPage
from .deal_patch import DealPatch
from .deal_patch_stage import DealPatchStage
from .deal_stage import DealStage
from .delivery_list_query import DeliveryListQuery
from .delivery_list_query_status_type_0 import DeliveryListQueryStatusType0
from .delivery_query import DeliveryQuery
from .delivery_query_status_type_0 import DeliveryQueryStatusType0
from .endpoint_line import EndpointLine
from .error import Error
from .error_error import ErrorError
from .export import Export
from .export_filters_type_0 import ExportFiltersType0
from .export_format import ExportFormat
from .export_in import ExportIn
from .export_in_filters import ExportInFilters
from .export_in_format import ExportInFormat
from .export_in_type import ExportInType
from .fairness import Fairness
from .fairness_pools import FairnessPools
from .get_api_v1_activities_kind_type_0 import GetApiV1ActivitiesKindType0
from .get_api_v1_activities_sort import GetApiV1ActivitiesSort
from .get_api_v1_companies_sort import GetApiV1CompaniesSort
from .get_api_v1_contacts_sort import GetApiV1ContactsSort
from .get_api_v1_deals_sort import GetApiV1DealsSort
from .get_api_v1_deals_stage_type_0 import GetApiV1DealsStageType0
from .get_api_v1_leads_sort import GetApiV1LeadsSort
from .get_api_v1_leads_status_type_0 import GetApiV1LeadsStatusType0
from .get_api_v1_notifications_deliveries_status_type_0 import GetApiV1NotificationsDeliveriesStatusType0
from .get_api_v1_ops_cache_range import GetApiV1OpsCacheRange
from .get_api_v1_ops_charts_range import GetApiV1OpsChartsRange
from .get_api_v1_ops_imports_status_type_0 import GetApiV1OpsImportsStatusType0
from .get_api_v1_ops_imports_type_type_0 import GetApiV1OpsImportsTypeType0
from .get_api_v1_search_stage_type_0 import GetApiV1SearchStageType0
from .get_api_v1_search_status_type_0 import GetApiV1SearchStatusType0
from .get_api_v1_webhooks_endpoint_id_deliveries_status_type_0 import GetApiV1WebhooksEndpointIdDeliveriesStatusType0
from .get_live_static_name_name import GetLiveStaticNameName
from .get_ops_static_name_name import GetOpsStaticNameName
from .get_ops_vendor_name_name import GetOpsVendorNameName
from .health import Health
from .health_status import HealthStatus
from .highlight import Highlight
from .hit import Hit
from .hot_key import HotKey
from .import_ import Import
from .import_list_query import ImportListQuery
from .import_page import ImportPage
from .inbox import Inbox
from .inbox_query import InboxQuery
from .job import Job
from .job_in import JobIn
from .job_in_params import JobInParams
from .job_list_query import JobListQuery
from .job_page import JobPage
from .job_params import JobParams
from .job_status import JobStatus
from .jobs_in import JobsIn
from .jobs_started import JobsStarted
from .key_in import KeyIn
from .key_list_query import KeyListQuery
from .latency import Latency
from .lead import Lead
from .lead_in import LeadIn
from .lead_in_list import LeadInList
from .lead_in_list_sort import LeadInListSort
from .lead_in_list_status_type_0 import LeadInListStatusType0
from .lead_in_status import LeadInStatus
from .lead_page import LeadPage
from .lead_patch import LeadPatch
from .lead_patch_status import LeadPatchStatus
from .lead_status import LeadStatus
from .link import Link
from .list_query import ListQuery
from .marked import Marked
from .minute_rates import MinuteRates
from .minute_rates_counts import MinuteRatesCounts
from .new_api_key import NewApiKey
from .new_webhook import NewWebhook
from .notification import Notification
from .notification_delivery import NotificationDelivery
from .notification_delivery_page import NotificationDeliveryPage
from .notification_detail import NotificationDetail
from .notification_detail_routing_item import NotificationDetailRoutingItem
from .ops_batch import OpsBatch
from .ops_batch_callback import OpsBatchCallback
from .ops_batch_members import OpsBatchMembers
from .ops_batch_page import OpsBatchPage
from .ops_batch_query import OpsBatchQuery
from .ops_import import OpsImport
from .ops_import_members import OpsImportMembers
from .ops_import_page import OpsImportPage
from .ops_import_query import OpsImportQuery
from .ops_import_query_status_type_0 import OpsImportQueryStatusType0
from .ops_import_query_type_type_0 import OpsImportQueryTypeType0
from .ops_job import OpsJob
from .ops_job_detail import OpsJobDetail
from .ops_job_detail_params import OpsJobDetailParams
from .ops_job_message import OpsJobMessage
from .ops_job_message_kwargs_type_0 import OpsJobMessageKwargsType0
from .ops_job_message_options import OpsJobMessageOptions
from .ops_job_page import OpsJobPage
from .ops_job_query import OpsJobQuery
from .org_share import OrgShare
from .overview import Overview
from .paused_endpoint import PausedEndpoint
from .pool_shares import PoolShares
from .post_api_v1_imports_body import PostApiV1ImportsBody
from .post_api_v1_imports_body_dry_run import PostApiV1ImportsBodyDryRun
from .post_api_v1_imports_body_type import PostApiV1ImportsBodyType
from .post_api_v1_ops_dead_letters_action_action import PostApiV1OpsDeadLettersActionAction
from .post_api_v1_ops_queues_name_action_action import PostApiV1OpsQueuesNameActionAction
from .post_api_v1_ops_schedule_schedule_id_action_action import PostApiV1OpsScheduleScheduleIdActionAction
from .preferences import Preferences
from .preferences_categories import PreferencesCategories
from .preferences_channels import PreferencesChannels
from .preferences_in import PreferencesIn
from .preferences_in_categories import PreferencesInCategories
from .preferences_in_channels import PreferencesInChannels
from .probe import Probe
from .probe_status import ProbeStatus
from .push_keys import PushKeys
from .push_subscription import PushSubscription
from .push_subscription_in import PushSubscriptionIn
from .push_subscription_query import PushSubscriptionQuery
from .query_count import QueryCount
from .queue import Queue
from .queue_figures import QueueFigures
from .queue_paused import QueuePaused
from .quiet_hours import QuietHours
from .quiet_window import QuietWindow
from .relay import Relay
from .relay_status import RelayStatus
from .retried import Retried
from .rotate_in import RotateIn
from .rotated_webhook import RotatedWebhook
from .schedule_action import ScheduleAction
from .schedule_entry import ScheduleEntry
from .schedule_entry_last_fires_item import ScheduleEntryLastFiresItem
from .schedules import Schedules
from .search_query import SearchQuery
from .search_query_stage_type_0 import SearchQueryStageType0
from .search_query_status_type_0 import SearchQueryStatusType0
from .search_report import SearchReport
from .search_result import SearchResult
from .stage_figures import StageFigures
from .stats_query import StatsQuery
from .suggest_query import SuggestQuery
from .suggestion import Suggestion
from .suggestion_kind import SuggestionKind
from .suggestions import Suggestions
from .user import User
from .user_in import UserIn
from .user_in_role import UserInRole
from .user_list_query import UserListQuery
from .user_page import UserPage
from .user_patch import UserPatch
from .user_patch_role_type_0 import UserPatchRoleType0
from .user_role import UserRole
from .webhook import Webhook
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_page import WebhookDeliveryPage
from .webhook_in import WebhookIn
from .webhook_page import WebhookPage
from .worker import Worker
from .worker_running_item import WorkerRunningItem
from .workers import Workers
from .ws_ticket import WsTicket

__all__ = (
    "Activity",
    "ActivityIn",
    "ActivityInKind",
    "ActivityInList",
    "ActivityInListKindType0",
    "ActivityInListSort",
    "ActivityKind",
    "ActivityPage",
    "ActivityPatch",
    "ActivityPatchKind",
    "AnalyticsQuery",
    "ApiKey",
    "ApiKeyPage",
    "Attempt",
    "AuditEntry",
    "AuditEntryDetailsType0",
    "AuditPage",
    "AuditQuery",
    "Batch",
    "BatchMembers",
    "BulkJob",
    "BulkJobParams",
    "BulkOutcome",
    "CacheAnalytics",
    "CacheAnalyticsLatencyMsType0",
    "CacheAnalyticsMemoryType0",
    "CacheAnalyticsNamespacesType0",
    "CacheAnalyticsNamespacesType0AdditionalProperty",
    "CacheCounts",
    "CacheHistogram",
    "CacheHistogramBuckets",
    "CacheMemory",
    "CacheQuery",
    "CacheQueryRange",
    "CacheStats",
    "CacheStatsNamespacesType0",
    "CacheStatsScopeType0",
    "CacheStatsStatus",
    "Canaries",
    "CanariesItemsItem",
    "ChartQuery",
    "ChartQueryRange",
    "Charts",
    "ChartsActorsItem",
    "ChartsDepth",
    "ChartsLatency",
    "ChartsLatencyAdditionalProperty",
    "ChartsThroughput",
    "ChartsThroughputAdditionalProperty",
    "Company",
    "CompanyIn",
    "CompanyInList",
    "CompanyInListSort",
    "CompanyPage",
    "CompanyPatch",
    "Contact",
    "ContactIn",
    "ContactInList",
    "ContactInListSort",
    "ContactPage",
    "ContactPatch",
    "Dashboard",
    "DashboardPipeline",
    "DashboardSource",
    "DayCount",
    "DeadLetter",
    "DeadLetterBulk",
    "DeadLetterCount",
    "DeadLetterFilter",
    "DeadLetterKwargsType0",
    "DeadLetterOptionsType0",
    "DeadLetterPage",
    "DeadLetterQuery",
    "Deal",
    "DealIn",
    "DealInList",
    "DealInListSort",
    "DealInListStageType0",
    "DealInStage",
    "DealPage",
    "DealPatch",
    "DealPatchStage",
    "DealStage",
    "DeliveryListQuery",
    "DeliveryListQueryStatusType0",
    "DeliveryQuery",
    "DeliveryQueryStatusType0",
    "EndpointLine",
    "Error",
    "ErrorError",
    "Export",
    "ExportFiltersType0",
    "ExportFormat",
    "ExportIn",
    "ExportInFilters",
    "ExportInFormat",
    "ExportInType",
    "Fairness",
    "FairnessPools",
    "GetApiV1ActivitiesKindType0",
    "GetApiV1ActivitiesSort",
    "GetApiV1CompaniesSort",
    "GetApiV1ContactsSort",
    "GetApiV1DealsSort",
    "GetApiV1DealsStageType0",
    "GetApiV1LeadsSort",
    "GetApiV1LeadsStatusType0",
    "GetApiV1NotificationsDeliveriesStatusType0",
    "GetApiV1OpsCacheRange",
    "GetApiV1OpsChartsRange",
    "GetApiV1OpsImportsStatusType0",
    "GetApiV1OpsImportsTypeType0",
    "GetApiV1SearchStageType0",
    "GetApiV1SearchStatusType0",
    "GetApiV1WebhooksEndpointIdDeliveriesStatusType0",
    "GetLiveStaticNameName",
    "GetOpsStaticNameName",
    "GetOpsVendorNameName",
    "Health",
    "HealthStatus",
    "Highlight",
    "Hit",
    "HotKey",
    "Import",
    "ImportListQuery",
    "ImportPage",
    "Inbox",
    "InboxQuery",
    "Job",
    "JobIn",
    "JobInParams",
    "JobListQuery",
    "JobPage",
    "JobParams",
    "JobsIn",
    "JobsStarted",
    "JobStatus",
    "KeyIn",
    "KeyListQuery",
    "Latency",
    "Lead",
    "LeadIn",
    "LeadInList",
    "LeadInListSort",
    "LeadInListStatusType0",
    "LeadInStatus",
    "LeadPage",
    "LeadPatch",
    "LeadPatchStatus",
    "LeadStatus",
    "Link",
    "ListQuery",
    "Marked",
    "MinuteRates",
    "MinuteRatesCounts",
    "NewApiKey",
    "NewWebhook",
    "Notification",
    "NotificationDelivery",
    "NotificationDeliveryPage",
    "NotificationDetail",
    "NotificationDetailRoutingItem",
    "OpsBatch",
    "OpsBatchCallback",
    "OpsBatchMembers",
    "OpsBatchPage",
    "OpsBatchQuery",
    "OpsImport",
    "OpsImportMembers",
    "OpsImportPage",
    "OpsImportQuery",
    "OpsImportQueryStatusType0",
    "OpsImportQueryTypeType0",
    "OpsJob",
    "OpsJobDetail",
    "OpsJobDetailParams",
    "OpsJobMessage",
    "OpsJobMessageKwargsType0",
    "OpsJobMessageOptions",
    "OpsJobPage",
    "OpsJobQuery",
    "OrgShare",
    "Overview",
    "PausedEndpoint",
    "PoolShares",
    "PostApiV1ImportsBody",
    "PostApiV1ImportsBodyDryRun",
    "PostApiV1ImportsBodyType",
    "PostApiV1OpsDeadLettersActionAction",
    "PostApiV1OpsQueuesNameActionAction",
    "PostApiV1OpsScheduleScheduleIdActionAction",
    "Preferences",
    "PreferencesCategories",
    "PreferencesChannels",
    "PreferencesIn",
    "PreferencesInCategories",
    "PreferencesInChannels",
    "Probe",
    "ProbeStatus",
    "PushKeys",
    "PushSubscription",
    "PushSubscriptionIn",
    "PushSubscriptionQuery",
    "QueryCount",
    "Queue",
    "QueueFigures",
    "QueuePaused",
    "QuietHours",
    "QuietWindow",
    "Relay",
    "RelayStatus",
    "Retried",
    "RotatedWebhook",
    "RotateIn",
    "ScheduleAction",
    "ScheduleEntry",
    "ScheduleEntryLastFiresItem",
    "Schedules",
    "SearchQuery",
    "SearchQueryStageType0",
    "SearchQueryStatusType0",
    "SearchReport",
    "SearchResult",
    "StageFigures",
    "StatsQuery",
    "Suggestion",
    "SuggestionKind",
    "Suggestions",
    "SuggestQuery",
    "User",
    "UserIn",
    "UserInRole",
    "UserListQuery",
    "UserPage",
    "UserPatch",
    "UserPatchRoleType0",
    "UserRole",
    "Webhook",
    "WebhookDelivery",
    "WebhookDeliveryPage",
    "WebhookIn",
    "WebhookPage",
    "Worker",
    "WorkerRunningItem",
    "Workers",
    "WsTicket",
)
