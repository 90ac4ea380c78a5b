import {migrateSuite} from '../support/migrate-suite.js'

migrateSuite('terminal')
