from coach.entry import main

raise SystemExit(main())
