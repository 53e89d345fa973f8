"""Chart annotations: dated notes ("campaign launched", "platform outage") a team marks on
its charts so a jump or a dip explains itself.

- services: the one write path (the key result page, the admin and the API call it);
- selectors: which annotations a chart or a summary shows;
- marks: the plain data the charts draw (no ORM).
"""
