"""The tracker's spiders (`scrapy list`)."""
