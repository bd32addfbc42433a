# Scrapy settings for the tracker's crawler: few settings, polite defaults.
# https://docs.scrapy.org/en/latest/topics/settings.html
# Override any of them per run: `scrapy crawl articles -s NAME=VALUE` or run_crawl(settings=...).

import os

BOT_NAME = "ai-infra-tracker"
SPIDER_MODULES = ["spiders.spiders"]  # where `scrapy list` finds the `articles` spider
NEWSPIDER_MODULE = "spiders.spiders"

# Who we are, so publishers can reach the operator: the spider puts TRACKER_CONTACT (a URL or an
# e-mail; environment variable or -s TRACKER_CONTACT=...) into the USER_AGENT unless you set one.
TRACKER_CONTACT = os.environ.get("TRACKER_CONTACT", "https://github.com/ai-infra-tracker/ai-infra-tracker")
USER_AGENT = f"ai-infra-tracker/0.1 (+{TRACKER_CONTACT})"

ROBOTSTXT_OBEY = True  # never fetch what robots.txt forbids
DOWNLOAD_DELAY = 0.5  # seconds between requests to one site (loopback runs use 0)
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # at most two requests in flight per site
AUTOTHROTTLE_ENABLED = True  # slow down further when a site answers slowly
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # average parallel requests per site under AutoThrottle
DOWNLOAD_TIMEOUT = 30  # seconds before a request counts as a timeout (recorded, never fatal)
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # drop responses over 10 MiB (no article is that big)
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024  # log responses over 2 MiB
RETRY_TIMES = 2  # retries for timeouts, connection errors and 5xx before recording an error
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]  # 429 and 503 go to RetryAfterMiddleware
REDIRECT_MAX_TIMES = 5  # a longer chain is recorded as an error (loops are caught at once)
DNS_TIMEOUT = 20  # seconds for a DNS lookup
AUTOTHROTTLE_MAX_DELAY = 60.0  # the slowest a site is crawled: one request a minute

DOWNLOADER_MIDDLEWARES = {
    # 429/503: pause the site for its Retry-After (or exponential back-off), retry, capped.
    "spiders.middlewares.RetryAfterMiddleware": 560,
    # Requests and redirects stay http(s) and inside the source's allowed_domains; loops refused.
    "spiders.middlewares.SourceBoundsMiddleware": 650,
    # A source over its time or request budget: its queued requests are dropped (spiders/budgets.py).
    "spiders.budgets.SourceBudgetMiddleware": 50,
}
EXTENSIONS = {
    # Shut down gracefully when the process that started the crawl is gone; log budget cuts.
    "spiders.budgets.CrawlWatchExtension": 100,
}
COOKIES_ENABLED = False  # news pages do not need a session

TELNETCONSOLE_ENABLED = False  # no telnet console on a crawler that runs unattended
REMOTE_CONTROL_ENABLED = False  # nor Scrapy's remote-control extension
LOG_LEVEL = "INFO"  # one line per stage, errors with their reasons
LOG_FORMATTER = "spiders.logformatter.TrackerLogFormatter"  # dropped pages: URL and reason only

ITEM_PIPELINES = {
    "spiders.pipelines.ValidatePipeline": 100,  # drop pages without main text, reason recorded
    "spiders.pipelines.NormalisePipeline": 200,  # whitespace, doc_id, content_hash
    "spiders.journal.JournalPipeline": 800,  # append each item to crawl_journal.jsonl: kept if the crawl is killed
    "spiders.pipelines.JsonLinesWriterPipeline": 900,  # dedupe, write documents.jsonl + crawl_errors.jsonl
}

# The tracker's own settings.
TRACKER_SOURCES = None  # path of the sources registry (TOML); required: -s TRACKER_SOURCES=FILE
TRACKER_OUTPUT_DIR = "out/crawl"  # where documents.jsonl, crawl_errors.jsonl, crawl_stats.json go
TRACKER_MAX_LISTING_PAGES = 20  # pagination depth per start URL
TRACKER_MIN_WORDS = 20  # pages whose main text is shorter are dropped as "no article text"
TRACKER_STATE_FILE = None  # crawl state from the warehouse (JSON); None: crawl as if for the first time
TRACKER_BACKOFF_RETRIES = 3  # retries after a 429/503 before recording an error (0: off)
TRACKER_BACKOFF_HTTP_CODES = [429, 503]  # statuses that make the crawler back off a site
TRACKER_BACKOFF_BASE_DELAY = 5.0  # seconds to wait after a 429/503 without Retry-After, doubled each time
TRACKER_RETRY_AFTER_MAX = 120.0  # a longer Retry-After is not waited for: recorded, retried next run
TRACKER_ENFORCE_SOURCE_DOMAINS = True  # refuse requests and redirects outside a source's domains
TRACKER_SOURCE_MAX_REQUESTS = 250  # requests per source per run (feeds, listing pages, articles, retries)
TRACKER_SOURCE_MAX_ARTICLES = 150  # new article pages per source per run: a busy newsroom's week, newest first
TRACKER_SOURCE_MAX_SECONDS = 300  # seconds per source per run from its first request: half the crawl's 600 s limit
TRACKER_MAX_FEED_ENTRIES = 2000  # a bigger feed is cut to its newest entries by date before it is parsed
TRACKER_PARENT_PID = 0  # set by run_crawl: the crawl shuts down gracefully when that process is gone
TRACKER_NEAR_DUPLICATE_THRESHOLD = 0.7  # Jaccard of word 5-grams for "same story" ("off" to disable)
