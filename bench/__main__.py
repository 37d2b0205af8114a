"""`make bench`: run every benchmark in bench/."""

from bench import api_listing, change_feed, harvest, hostile, hosts, judged, load, search

if __name__ == "__main__":
    api_listing.main()
    search.main()
    judged.main()
    hostile.main()
    harvest.main()
    change_feed.main()
    hosts.main()
    load.main()
