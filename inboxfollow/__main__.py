from inboxfollow.cli import main

raise SystemExit(main())
