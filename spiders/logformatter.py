"""Log lines of the crawl: a dropped article is one line (its URL and reason), not the whole item."""

from scrapy.logformatter import LogFormatter


class TrackerLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped %(url)s: %(exception)s"
        entry["args"] = {"url": item.get("url") if hasattr(item, "get") else item, "exception": exception}
        return entry
